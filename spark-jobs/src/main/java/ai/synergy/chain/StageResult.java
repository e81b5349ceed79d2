package ai.synergy.chain;

import ai.synergy.run.RunFolder;

/**
 * What a finished stage measured, as {@code stages.json} records it: a stage counts as done once its run folder is
 * finished and this is recorded.
 *
 * @param stage             the stage's name (its sub run folder)
 * @param label             how the report names it
 * @param model             URI of the stage's {@code model.zip}
 * @param examples          test images evaluated
 * @param naturalTop1       top-1 on the natural test images
 * @param pgdTop1           top-1 under the PGD evaluation (PGD-20)
 * @param apgdTop1          top-1 under APGD-CE
 * @param nonzeroParameters parameters (all of them: weights, biases, batch norm) that are not 0
 * @param totalParameters   parameters in all
 * @param sparsity          fraction of the conv and dense weights that are 0
 * @param sparseBytes       bytes of the model as float32 in a sparse encoding: each nonzero conv and dense weight
 *                          with the cheaper of a bitmap or int32 indices per layer, every other parameter dense (the
 *                          pruned stage's compact size; not a file synergy writes)
 * @param exportBytes       bytes of the stage's compact export ({@code model-compact.zip}), or of its
 *                          {@code model.zip} where it has none
 * @param exportFile        which of the two it is
 * @param finishedAt        when the stage's run folder was marked finished (its marker's time)
 * @param evaluatedAt       when this record was written
 */
public record StageResult(String stage, String label, String model, long examples, double naturalTop1, double pgdTop1,
                          double apgdTop1, long nonzeroParameters, long totalParameters, double sparsity,
                          long sparseBytes, long exportBytes, String exportFile, String finishedAt,
                          String evaluatedAt) {

    /**
     * The stage's compact size: its compact export where it has one (INQ: codebook indices), else the smaller of its
     * {@code model.zip} and the sparse float32 encoding.
     */
    public long compactBytes() {
        return RunFolder.COMPACT_MODEL.equals(exportFile) ? exportBytes : Math.min(exportBytes, sparseBytes);
    }
}
