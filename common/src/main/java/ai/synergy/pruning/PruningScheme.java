package ai.synergy.pruning;

/** The sparsity set S of a layer (docs/methods.md section 2, "Projections"; Ye et al., arXiv:1903.12561). */
public enum PruningScheme {
    /** Any weight may be removed: keep the largest |w|. Highest accuracy at a given ratio, needs sparse kernels. */
    IRREGULAR,
    /** Whole output filters are removed (ranked by L2 norm): the layer becomes a smaller dense layer. */
    FILTER,
    /** Whole input columns of the [out, in*kh*kw] matrix are removed (ranked by L2 norm). */
    COLUMN
}
