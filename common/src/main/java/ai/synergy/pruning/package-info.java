/**
 * Weight pruning by ADMM under adversarial training (Ye et al., "Adversarial Robustness vs Model Compression, or
 * Both?", ICCV 2019, arXiv:1903.12561; ADMM as in Zhang et al., ECCV 2018), pure ND4J:
 * the projections onto the sparsity sets ({@link ai.synergy.pruning.Projections}), per-layer ratios
 * ({@link ai.synergy.pruning.PruningRatios}, {@link ai.synergy.pruning.LayerPruning}), the ADMM state Z, U, rho
 * ({@link ai.synergy.pruning.AdmmState}), hard-pruning masks that keep pruned weights exactly 0
 * ({@link ai.synergy.pruning.Masks}) and the sparsity / sparse-export report
 * ({@link ai.synergy.pruning.SparsityReport}). See docs/methods.md section 2, "ADMM pruning" and "Projections".
 *
 * <p>Layouts: a DL4J convolution weight is [out, in, kh, kw], a DL4J dense weight is [nIn, nOut] (rows and columns
 * swap compared with PyTorch's [out, in]); {@link ai.synergy.pruning.LayerKind} carries the difference.
 */
package ai.synergy.pruning;
