package ai.synergy.notebook;

import ai.synergy.chain.RobustCompressJob;
import ai.synergy.run.RunFolder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A run folder written by a job, with its outputs as DataFrames: one row per epoch ({@code metrics.jsonl}: epoch,
 * trainLoss, testTop1, testTop5, headTop1.&lt;head&gt;, pruning.stage/sparsity, ...), per quantization round
 * ({@code rounds.jsonl}), per pruned layer ({@code sparsity.json}), or per stage of a {@code robust-compress} chain
 * ({@code stages.json}).
 *
 * @param dir the folder URI ({@code --out})
 */
public record Run(String dir) {
    /** The training run's per-epoch metrics. */
    public Dataset<Row> metrics(SparkSession spark) {
        return spark.read().json(file(RunFolder.METRICS)).orderBy("epoch");
    }

    /** The quantization run's per-round metrics. */
    public Dataset<Row> rounds(SparkSession spark) {
        return spark.read().json(file(RunFolder.ROUNDS)).orderBy("round");
    }

    /** The pruned run's per-layer sparsity (one row per layer). */
    public Dataset<Row> sparsity(SparkSession spark) {
        return spark.read().option("multiLine", true).json(file(RunFolder.SPARSITY))
                .selectExpr("explode(layers) as layer").select("layer.*");
    }

    /**
     * The chain's stages, one row each in order: stage, label, naturalTop1, pgdTop1, apgdTop1, nonzeroParameters,
     * totalParameters, sparsity, sparseBytes, exportBytes, exportFile, ...
     */
    public Dataset<Row> stages(SparkSession spark) {
        return spark.read().option("multiLine", true).json(file(RobustCompressJob.STAGES))
                .selectExpr("posexplode(stages) as (position, stage)").orderBy("position").select("stage.*");
    }

    /** The exported model ({@code model.zip}), e.g. for {@code --init-model} or {@code quantize --model}. */
    public String model() {
        return file(RunFolder.MODEL);
    }

    /** A file of the run. */
    public String file(String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }
}
