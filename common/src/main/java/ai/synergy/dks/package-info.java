/**
 * DKS (Deeply-supervised Knowledge Synergy, Sun et al., CVPR 2019, arXiv:1906.00675): how a training graph's heads are
 * supervised ({@link ai.synergy.dks.SupervisionConfig}), the synergy loss over the concatenated logits of the main and
 * auxiliary classifier heads ({@link ai.synergy.dks.SynergyLoss}, which is also plain deep supervision at synergy
 * weight 0), per-head softmax / ensemble read-outs ({@link ai.synergy.dks.HeadOutputs}), and the export of the plain
 * main-head network ({@link ai.synergy.dks.LeanExport}). See docs/methods.md section 1.
 */
package ai.synergy.dks;
