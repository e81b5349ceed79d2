package ai.synergy.notebook;

import ai.synergy.chain.ChainConfig;
import ai.synergy.chain.RobustCompressJob;
import ai.synergy.config.Json;
import ai.synergy.jobs.ConvertJob;
import ai.synergy.jobs.EvaluateJob;
import ai.synergy.jobs.PredictJob;
import ai.synergy.jobs.PrepareJob;
import ai.synergy.jobs.QuantizeJob;
import ai.synergy.jobs.TrainJob;
import ai.synergy.prepare.PrepareOptions;
import ai.synergy.run.RunFolder;
import ai.synergy.training.QuantizeConfig;
import ai.synergy.training.TrainConfig;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The typed API for notebooks (Zeppelin, spark-shell) and Spark applications: runs a job on the caller's own Spark
 * session (never stopped) from the same configuration types the command line builds, and reads its outputs as
 * DataFrames. One line per step:
 * <pre>{@code
 * val run = Synergy.train(spark, TrainConfig.builder().data(DataSource.fashionMnist()).epochs(3), dir)
 * z.show(run.metrics(spark))
 * }</pre>
 * Bad settings throw {@link ai.synergy.config.InvalidSettingException} naming the builder's setting, before any
 * Spark work.
 */
public final class Synergy {
    /** Prefix of the system properties that override notebook parameters (see {@link #param}). */
    public static final String PARAM_PREFIX = "synergy.notebook.";

    private Synergy() {
    }

    /** Trains a new run into {@code out} (a folder URI on any Hadoop file system). */
    public static Run train(SparkSession spark, TrainConfig.Builder settings, String out) {
        return train(spark, settings, new TrainJob.RunOptions(out, RunFolder.Resume.NO, 0, false));
    }

    /** Trains with explicit run options: resume, stop after an epoch, changed settings on resume. */
    public static Run train(SparkSession spark, TrainConfig.Builder settings, TrainJob.RunOptions options) {
        settings.validate();
        JavaSparkContext jsc = context(spark);
        TrainConfig config = settings.build(jsc.hadoopConfiguration());
        io(() -> new TrainJob(jsc, config, options, System.out).run());
        return new Run(options.out());
    }

    /** Quantizes a trained model into {@code out} in rounds. */
    public static Run quantize(SparkSession spark, QuantizeConfig.Builder settings, String out) {
        settings.validate();
        JavaSparkContext jsc = context(spark);
        QuantizeConfig config = settings.build(jsc.hadoopConfiguration());
        io(() -> new QuantizeJob(jsc, config, new QuantizeJob.RunOptions(out, RunFolder.Resume.NO, 0), System.out)
                .run());
        return new Run(out);
    }

    /**
     * Runs the robust-compression chain into {@code out}, as {@code synergy robust-compress}: DKS, PGD + ADMM pruning,
     * INQ per bit-width, each evaluated natural, PGD and APGD-CE; {@link Run#stages} reads its table.
     */
    public static Run robustCompress(SparkSession spark, ChainConfig.Builder settings, String out) {
        return robustCompress(spark, settings, new RobustCompressJob.RunOptions(out, RunFolder.Resume.NO, 0));
    }

    /** The chain with explicit run options: resume, stop after a stage. */
    public static Run robustCompress(SparkSession spark, ChainConfig.Builder settings,
                                     RobustCompressJob.RunOptions options) {
        settings.validate();
        JavaSparkContext jsc = context(spark);
        ChainConfig config = settings.build(jsc.hadoopConfiguration());
        io(() -> new RobustCompressJob(jsc, config, options, System.out).run());
        return new Run(options.out());
    }

    /** Shards an ILSVRC-layout folder ({@code synergy prepare}); the run folder is the options' output. */
    public static Run prepare(SparkSession spark, PrepareOptions options) {
        io(() -> PrepareJob.run(context(spark), options, System.out));
        return new Run(options.output());
    }

    /** Fashion-MNIST IDX files to the ILSVRC folder layout (JPEGs), as {@code synergy convert}. */
    public static Run convert(SparkSession spark, ConvertJob.Options options) {
        io(() -> ConvertJob.run(options, spark.sparkContext().hadoopConfiguration()));
        return new Run(options.output());
    }

    /**
     * One row: the model's top-1/top-5 and loss, or natural and adversarial top-1 when the settings carry an attack.
     */
    public static Dataset<Row> evaluate(SparkSession spark, EvaluateJob.Settings settings) {
        EvaluateJob.Result result = io(() -> EvaluateJob.evaluate(context(spark), settings));
        return spark.read().json(spark.createDataset(List.of(Json.writeLine(result)), Encoders.STRING()));
    }

    /**
     * Scores every image of a folder or prepared split with a model, as {@code synergy predict}, into the settings'
     * output folder; returns its predictions table (one row per scored image: image, label, labelName, prediction,
     * top). The images that were not scored are in {@code errors.parquet} beside it (image, reason, detail). For a
     * DataFrame of image bytes already at hand, use the transformer {@link ai.synergy.ml.SynergyClassifierModel}.
     */
    public static Dataset<Row> predict(SparkSession spark, PredictJob.Builder settings) {
        PredictJob.Settings built = settings.build();
        io(() -> PredictJob.run(spark, built, System.out));
        return PredictJob.predictions(spark, built.out());
    }

    /**
     * A notebook parameter: the system property {@code synergy.notebook.<name>} when set (the notebook test sets
     * tiny sizes this way), otherwise {@code defaultValue}.
     */
    public static String param(String name, String defaultValue) {
        return System.getProperty(PARAM_PREFIX + name, defaultValue);
    }

    private static JavaSparkContext context(SparkSession spark) {
        return JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    /** A job step that may fail on I/O. */
    @FunctionalInterface
    private interface IoStep<T> {
        T run() throws IOException;
    }

    private static <T> T io(IoStep<T> step) {
        try {
            return step.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
