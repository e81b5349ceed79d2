package ai.synergy.cli;

import ai.synergy.dataset.DataSource;
import ai.synergy.dataset.ShardCheck;
import ai.synergy.jobs.PredictJob;
import ai.synergy.prediction.ScoringNetwork;
import ai.synergy.spark.SparkContexts;
import ai.synergy.training.Averaging;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code synergy predict}: every image of a folder or of a prepared split scored by a model, into Parquet. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Score images with a model (DL4J, or an ONNX file in ONNX Runtime) on the executors and write Parquet: "
                + PredictJob.PREDICTIONS + " (image, label, labelName, prediction, top: the k most probable classes "
                + "with names and probabilities) and " + PredictJob.ERRORS + " (images not scored, with the reason).")
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true,
            description = "Model URI: a model.zip, a run folder, a checkpoint folder, a model-compact.zip, or a .onnx "
                    + "file `synergy export` wrote (needs ONNX Runtime on the classpath: " + ScoringNetwork.ONNX_RUNTIME
                    + ").")
    String model;

    @Option(names = "--data", required = true,
            description = "images:<folder URI> (every file under it; JPEG, PNG, GIF, BMP) or imagenet:<folder URI> "
                    + "(shards written by `synergy prepare`).")
    String data;

    @Option(names = "--out", required = true,
            description = "Output folder URI; written under a temporary name and renamed when complete.")
    String out;

    @Option(names = "--overwrite", description = "Replace a finished predict output at --out.")
    boolean overwrite;

    @Option(names = "--top-k", defaultValue = "" + PredictJob.Settings.DEFAULT_TOP_K,
            description = "Classes listed per image (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--split", defaultValue = PredictJob.Settings.DEFAULT_SPLIT,
            description = "imagenet: the split scored, train or val (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--image-size", defaultValue = "0",
            description = "Input height and width (default: the model's, from its run's model.json; else 224).")
    int imageSize;

    @Option(names = "--eval-crop", defaultValue = "0",
            description = "The shorter side is resized to size/eval-crop and the center square cropped, as "
                    + "`evaluate` does (default: the model's training data's; else " + DataSource.DEFAULT_EVAL_CROP
                    + ").")
    double evalCrop;

    @Option(names = "--class-names", paramLabel = "URI",
            description = "Text file, one class name a line in label order (default: the shards' manifest, else the "
                    + "model's training data's, else the class indices).")
    String classNames;

    @Option(names = "--batch-size", defaultValue = "" + PredictJob.Settings.DEFAULT_BATCH_SIZE,
            description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--workers", defaultValue = "" + Averaging.WORKERS,
            description = "Local-mode threads, and the least number of tasks (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--verify-shards", defaultValue = DataSource.DEFAULT_SHARD_CHECK,
            description = "imagenet: what each task checks of manifest.json before reading a shard: index, full or "
                    + "none (default: ${DEFAULT-VALUE}).")
    String verifyShards;

    @Override
    public Integer call() throws Exception {
        PredictJob.Settings settings = PredictJob.Settings.builder().model(model).data(data).out(out)
                .overwrite(overwrite).topK(topK).split(split).imageSize(imageSize).evalCrop(evalCrop)
                .classNames(classNames).batchSize(batchSize).workers(workers)
                .shardCheck(ShardCheck.parse(verifyShards)).build();
        try (SparkContexts.JobContext context = SparkContexts.open("synergy-predict", workers)) {
            SparkSession spark = SparkSession.builder().config(context.jsc().getConf()).getOrCreate(); // its context
            PredictJob.run(spark, settings, System.out);
        }
        return 0;
    }
}
