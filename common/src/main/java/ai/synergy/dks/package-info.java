/**
 * DKS (Deeply-supervised Knowledge Synergy, Sun et al., CVPR 2019, arXiv:1906.00675): the synergy loss over the
 * concatenated logits of the main and auxiliary classifier heads ({@link ai.synergy.dks.SynergyLoss}, which is also
 * plain deep supervision at synergy weight 0), and per-head softmax / ensemble read-outs
 * ({@link ai.synergy.dks.HeadOutputs}).
 */
package ai.synergy.dks;
