package ai.synergy.jobs;

import ai.synergy.config.Credentials;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.InvalidSettingException;
import ai.synergy.config.Json;
import ai.synergy.config.Require;
import ai.synergy.dataset.Augmentation;
import ai.synergy.dataset.DataSource;
import ai.synergy.dataset.DataSpec;
import ai.synergy.dataset.LoadJpegShards;
import ai.synergy.dataset.ShardCheck;
import ai.synergy.io.HadoopFiles;
import ai.synergy.prediction.PredictionRows;
import ai.synergy.prediction.ScoreFiles;
import ai.synergy.prediction.ScoreShards;
import ai.synergy.prediction.Scoring;
import ai.synergy.prediction.ScoringCounts;
import ai.synergy.prediction.ScoringModel;
import ai.synergy.prediction.ScoringNetwork;
import ai.synergy.prepare.ShardManifest;
import ai.synergy.run.OutputFolder;
import ai.synergy.spark.SparkErrors;
import ai.synergy.training.Averaging;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.SerializableConfiguration;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * Driver side of {@code predict}: scores every image of a folder ({@code images:<folder URI>}, any Hadoop file system)
 * or of a prepared split ({@code imagenet:<shards>}) with a DL4J model, on the executors, and writes the results
 * through Spark's DataFrame writer into the output folder:
 * <ul>
 *   <li>{@value #PREDICTIONS}: one row per scored image ({@link PredictionRows}: image, label, labelName,
 *       prediction, top);</li>
 *   <li>{@value #ERRORS}: one row per image that was not scored (image, reason, detail); a bad or unreadable image
 *       never stops the job;</li>
 *   <li>{@value #SUMMARY}: what was scored with what, counts, top-1 where the data has labels, images/s.</li>
 * </ul>
 * The driver lists file paths (or reads the manifest) and never sees image bytes; executors read and decode their own
 * images ({@link ScoreFiles}, {@link ScoreShards}) with the model broadcast as a {@link ScoringNetwork}. The folder is
 * written under a temporary name and renamed when complete ({@link OutputFolder}).
 */
public final class PredictJob {
    /** The predictions table (a Parquet folder) in the output folder. */
    public static final String PREDICTIONS = "predictions.parquet";
    /** The table of images that were not scored. */
    public static final String ERRORS = "errors.parquet";
    /** The run's summary, written last: a folder holding it is a finished predict output. */
    public static final String SUMMARY = "predict.json";
    /** Minibatches per task of {@code images:} data: tasks short enough for a progress line, long enough to pay. */
    static final int BATCHES_PER_TASK = 8;
    /** Seconds between progress lines. */
    static final int PROGRESS_SECONDS = 10;

    private PredictJob() {
    }

    /**
     * What {@code predict} scores and where it writes. Built with {@link #builder()}, which holds every default.
     *
     * @param model      URI of a model.zip, a run or checkpoint folder, or a model-compact.zip (DL4J)
     * @param data       {@code images:<folder URI>} (every file under it, recursively, but hidden ones) or
     *                   {@code imagenet:<folder URI>} (shards written by {@code prepare})
     * @param out        URI of the output folder
     * @param split      imagenet: the split to score
     * @param topK       classes listed per image
     * @param batchSize  images per forward pass
     * @param workers    Spark local threads, and the least number of tasks
     * @param imageSize  input height and width; 0 = the model's (its provenance's), else 224
     * @param evalCrop   the center crop keeps this fraction of the shorter side; 0 = the model's data's, else 0.875
     * @param classNames URI of a text file with one class name a line, or null: the data's names, else the model's
     *                   data's, else the indices
     * @param overwrite  replace a finished predict output at {@code out}
     * @param shardCheck imagenet: what each task verifies of the manifest's promises before reading a shard
     */
    public record Settings(String model, String data, String out, String split, int topK, int batchSize, int workers,
                           int imageSize, double evalCrop, String classNames, boolean overwrite,
                           ShardCheck shardCheck) {
        /** Classes listed per image. */
        public static final int DEFAULT_TOP_K = 5;
        /** Images per forward pass: evaluate's, so that both score in the same minibatches. */
        public static final int DEFAULT_BATCH_SIZE = EvaluateJob.Settings.DEFAULT_BATCH_SIZE;
        /** The split of imagenet: data scored. */
        public static final String DEFAULT_SPLIT = "val";
        /** The splits {@code prepare} writes. */
        public static final List<String> SPLITS = List.of("train", "val");
        /** The prefix of a folder of image files. */
        public static final String IMAGES = "images:";
        /** The prefix of prepared shards. */
        public static final String SHARDS = "imagenet:";

        public Settings {
            Require.that(model != null && !model.isBlank(), "model", "must be set (a model.zip, a run or checkpoint "
                    + "folder, or a model-compact.zip)");
            if (!(prefixed(data, IMAGES) || prefixed(data, SHARDS))) {
                throw new InvalidSettingException("data", ": unknown data '" + data + "'; accepted: "
                        + "images:<folder URI>, imagenet:<folder URI>");
            }
            Require.that(out != null && !out.isBlank(), "out", "must name the output folder");
            Require.that(SPLITS.contains(split), "split", "must be one of " + String.join(", ", SPLITS) + ", got "
                    + split);
            Require.atLeast("topK", topK, 1);
            Require.atLeast("batchSize", batchSize, 1);
            Require.atLeast("workers", workers, 1);
            Require.that(imageSize == 0 || imageSize >= 8, "imageSize", "must be >= 8 (or 0: the model's), got "
                    + imageSize);
            Require.that(evalCrop == 0 || (evalCrop > 0 && evalCrop <= 1), "evalCrop", "must be in (0, 1] (or 0: "
                    + "the model's), got " + evalCrop);
            shardCheck = shardCheck == null ? ShardCheck.parse(DataSource.DEFAULT_SHARD_CHECK) : shardCheck;
        }

        /** Every setting at its default; {@link Builder#model}, {@link Builder#data} and {@link Builder#out} to set. */
        public static Builder builder() {
            return new Builder();
        }

        /** A builder holding these settings. */
        public Builder toBuilder() {
            return new Builder().model(model).data(data).out(out).split(split).topK(topK).batchSize(batchSize)
                    .workers(workers).imageSize(imageSize).evalCrop(evalCrop).classNames(classNames)
                    .overwrite(overwrite).shardCheck(shardCheck);
        }

        /** True for a folder of image files. */
        public boolean isFolder() {
            return data.startsWith(IMAGES);
        }

        /** The data's location: the folder's or the shards' URI. */
        public String location() {
            return data.substring(isFolder() ? IMAGES.length() : SHARDS.length());
        }

        private static boolean prefixed(String value, String prefix) {
            return value != null && value.startsWith(prefix) && value.length() > prefix.length();
        }
    }

    /** Builds {@link Settings}, every setting starting at its default. Mutable: one per run. */
    public static final class Builder {
        private String model;
        private String data;
        private String out;
        private String split = Settings.DEFAULT_SPLIT;
        private int topK = Settings.DEFAULT_TOP_K;
        private int batchSize = Settings.DEFAULT_BATCH_SIZE;
        private int workers = Averaging.WORKERS;
        private int imageSize;
        private double evalCrop;
        private String classNames;
        private boolean overwrite;
        private ShardCheck shardCheck = ShardCheck.parse(DataSource.DEFAULT_SHARD_CHECK);

        private Builder() {
        }

        /** The model to score with. */
        public Builder model(String value) {
            model = value;
            return this;
        }

        /** The images: {@code images:<folder URI>} or {@code imagenet:<shards URI>}. */
        public Builder data(String value) {
            data = value;
            return this;
        }

        /** The output folder. */
        public Builder out(String value) {
            out = value;
            return this;
        }

        /** imagenet: the split scored (train or val). */
        public Builder split(String value) {
            split = value;
            return this;
        }

        /** Classes listed per image. */
        public Builder topK(int value) {
            topK = value;
            return this;
        }

        /** Images per forward pass. */
        public Builder batchSize(int value) {
            batchSize = value;
            return this;
        }

        /** Local threads and the least number of tasks. */
        public Builder workers(int value) {
            workers = value;
            return this;
        }

        /** Input size (0: the model's). */
        public Builder imageSize(int value) {
            imageSize = value;
            return this;
        }

        /** Evaluation crop fraction (0: the model's data's). */
        public Builder evalCrop(double value) {
            evalCrop = value;
            return this;
        }

        /** A text file of class names, one a line (null: from the data or the model). */
        public Builder classNames(String value) {
            classNames = value;
            return this;
        }

        /** Whether a finished predict output at {@code out} may be replaced. */
        public Builder overwrite(boolean value) {
            overwrite = value;
            return this;
        }

        /** imagenet: what each task verifies of a shard before reading it. */
        public Builder shardCheck(ShardCheck value) {
            shardCheck = value;
            return this;
        }

        /** The settings, every one checked. */
        public Settings build() {
            return new Settings(model, data, out, split, topK, batchSize, workers, imageSize, evalCrop, classNames,
                    overwrite, shardCheck);
        }
    }

    /**
     * What {@code predict} did ({@value #SUMMARY}).
     *
     * @param model           the model as named, and what was read
     * @param data            the data as named (and split, for shards)
     * @param out             the output folder
     * @param images          images found
     * @param scored          images scored (rows of {@value #PREDICTIONS})
     * @param notScored       images listed in {@value #ERRORS}
     * @param labelled        scored images with a label
     * @param top1            fraction of the labelled images whose prediction is the label; null without labels
     * @param topK            fraction of the labelled images whose label is among the listed classes; null without
     * @param k               classes listed per image
     * @param input           the input scored: channels x height x width, and the crop
     * @param classNames      where the class names came from
     * @param seconds         scoring and writing time
     * @param imagesPerSecond images (scored or not) per second
     * @param createdBy       the program and version
     * @param finishedAt      ISO-8601 time the output was complete
     */
    public record Result(String model, String data, String out, long images, long scored, long notScored,
                         long labelled, Double top1, Double topK, int k, String input, String classNames,
                         double seconds, double imagesPerSecond, String createdBy, String finishedAt) {
    }

    /** The predictions table of the finished output {@code out} (read with its schema: no inference job). */
    public static Dataset<Row> predictions(SparkSession spark, String out) {
        return spark.read().schema(PredictionRows.PREDICTIONS).parquet(table(out, PREDICTIONS));
    }

    /** The table of the images that were not scored, of the finished output {@code out}. */
    public static Dataset<Row> errors(SparkSession spark, String out) {
        return spark.read().schema(PredictionRows.ERRORS).parquet(table(out, ERRORS));
    }

    private static String table(String out, String name) {
        return new Path(HadoopFiles.path(out), name).toString();
    }

    /** Scores {@code settings.data()} with {@code settings.model()} into {@code settings.out()}. */
    public static Result run(SparkSession spark, Settings settings, PrintStream console) throws IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = jsc.hadoopConfiguration();
        OutputFolder folder = OutputFolder.claim(HadoopFiles.of(settings.out(), conf),
                HadoopFiles.path(settings.out()), SUMMARY, "predict", settings.overwrite(), "--out");
        try {
            Result result = score(spark, jsc, settings, folder, console);
            HadoopFiles.of(settings.out(), conf).writeAtomically(new Path(folder.temporary(), SUMMARY),
                    Json.write(result));
            folder.commit();
            return result;
        } catch (IOException | RuntimeException e) {
            folder.abandon();
            throw e;
        }
    }

    private static Result score(SparkSession spark, JavaSparkContext jsc, Settings settings, OutputFolder folder,
                                PrintStream console) throws IOException {
        Configuration conf = jsc.hadoopConfiguration();
        ScoringModel model = ScoringModel.load(settings.model(), conf);
        int size = model.imageSize(settings.imageSize());
        double crop = model.evalCrop(settings.evalCrop());
        model.requireInput(size, settings.imageSize() > 0, "--data " + settings.data(), "--image-size");

        long started = System.nanoTime();
        Input input = settings.isFolder() ? listFolder(settings, conf) : readShards(settings, size, crop, conf);
        SavedModel.ClassNames names = model.classNames(settings.classNames(), input.classNames(), conf);
        Scoring scoring = new Scoring(size, crop, names.names(), settings.topK(), settings.batchSize());
        String shape = ScoringModel.CHANNELS + "x" + size + "x" + size;
        console.printf("predict: %s, %d classes, on %s (%s): %d images at %s (center crop %s of the shorter side), "
                        + "top %d%n", model.source(), model.classes(), Credentials.redact(settings.data()),
                input.description(), input.images(), shape, crop, scoring.topK());
        console.println("predict: class names: " + names.source());

        Broadcast<ScoringNetwork> network = jsc.broadcast(model.network());
        ScoringCounts counts = new ScoringCounts(jsc.sc().longAccumulator("predict: scored"),
                jsc.sc().longAccumulator("predict: not scored"));
        SerializableConfiguration hadoopConf = new SerializableConfiguration(conf);
        JavaRDD<Row> rows = settings.isFolder()
                ? jsc.parallelize(input.files(), partitions(input.images(), settings))
                        .mapPartitions(new ScoreFiles(network, scoring, hadoopConf, counts))
                : jsc.parallelize(IntStream.range(0, input.shards()).boxed().toList(), Math.max(1, input.shards()))
                        .mapPartitions(new ScoreShards(input.loader(), network, scoring, hadoopConf, counts));
        Dataset<Row> scored = spark.createDataFrame(rows, PredictionRows.scored())
                .persist(StorageLevel.MEMORY_AND_DISK());
        ScheduledExecutorService progress = progress(console, counts, input.images(), started);
        Row totals;
        try {
            Path tmp = folder.temporary();
            scored.where(col(PredictionRows.REASON).isNull()).select(PredictionRows.IMAGE, PredictionRows.LABEL,
                    PredictionRows.LABEL_NAME, PredictionRows.PREDICTION, PredictionRows.TOP)
                    .write().parquet(new Path(tmp, PREDICTIONS).toString());
            scored.where(col(PredictionRows.REASON).isNotNull()).select(PredictionRows.IMAGE, PredictionRows.REASON,
                    PredictionRows.DETAIL).write().parquet(new Path(tmp, ERRORS).toString());
            totals = scored.agg(count("*"), count(PredictionRows.TOP),
                    count(when(col(PredictionRows.TOP).isNotNull(), col(PredictionRows.LABEL))),
                    sum(when(col(PredictionRows.PREDICTION).equalTo(col(PredictionRows.LABEL)), 1).otherwise(0)),
                    sum(when(expr("array_contains(top.class, label)"), 1).otherwise(0))).first();
        } catch (Exception e) { // SparkException is checked but undeclared; an executor's bad input comes back as one
            throw SparkErrors.unwrapInvalidInput(e);
        } finally {
            progress.shutdownNow();
            scored.unpersist(false);
            network.destroy();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long images = totals.getLong(0);
        long labelled = totals.getLong(2);
        Double top1 = labelled == 0 ? null : totals.getLong(3) / (double) labelled;
        Double topK = labelled == 0 ? null : totals.getLong(4) / (double) labelled;
        Result result = new Result(Credentials.redact(settings.model()) + " (" + model.source() + ")",
                Credentials.redact(settings.data()) + (settings.isFolder() ? "" : " split " + settings.split()),
                Credentials.redact(folder.target().toString()), images, totals.getLong(1), images - totals.getLong(1),
                labelled, top1, topK, scoring.topK(), shape + ", center crop " + crop, names.source(), seconds,
                images / seconds, ProductVersion.product(), Instant.now().toString());
        console.printf(Locale.ROOT, "predict: %d images in %.1f s (%.0f images/s): %d scored, %d not scored%s%n",
                images, seconds, result.imagesPerSecond(), result.scored(), result.notScored(),
                result.notScored() > 0 ? " (listed with the reason in " + ERRORS + ")" : "");
        if (top1 != null) {
            console.printf(Locale.ROOT, "predict: top-1 %.4f, top-%d %.4f on %d labelled images%n", top1,
                    scoring.topK(), topK, labelled);
        }
        console.println("predict: wrote " + Credentials.redact(folder.target().toString()) + " (" + PREDICTIONS
                + ", " + ERRORS + ", " + SUMMARY + ")");
        return result;
    }

    /**
     * The images to score, as the driver sees them: file paths (images:) or shard indexes with their loader
     * (imagenet:), and the data's class names (null when it has none).
     */
    private record Input(String description, long images, List<String> files, int shards, LoadJpegShards loader,
                         SavedModel.ClassNames classNames) {
    }

    /**
     * Every file under the folder, recursively, in path order; names starting with '.' or '_' are skipped (Spark's own
     * file sources skip them too). Listed folder by folder with {@code listStatus}: {@code listFiles} builds a located
     * status per file, which on the local file system without Hadoop's native library forks a process per file for
     * its permissions (15 ms a file).
     */
    private static Input listFolder(Settings settings, Configuration conf) throws IOException {
        String location = settings.location();
        FileSystem fs = HadoopFiles.of(location, conf).fileSystem();
        List<String> paths = new ArrayList<>();
        Deque<Path> folders = new ArrayDeque<>();
        try {
            FileStatus root = fs.getFileStatus(HadoopFiles.path(location));
            if (root.isDirectory()) {
                folders.add(root.getPath());
            } else {
                paths.add(root.getPath().toString());
            }
        } catch (FileNotFoundException e) {
            throw new InvalidInputException("--data: " + location + " does not exist");
        }
        while (!folders.isEmpty()) {
            RemoteIterator<FileStatus> it = fs.listStatusIterator(folders.poll());
            while (it.hasNext()) {
                FileStatus status = it.next();
                String name = status.getPath().getName();
                if (name.startsWith(".") || name.startsWith("_")) {
                    continue;
                }
                if (status.isDirectory()) {
                    folders.add(status.getPath());
                } else {
                    paths.add(status.getPath().toString());
                }
            }
        }
        if (paths.isEmpty()) {
            throw new InvalidInputException("--data: " + location + " holds no files");
        }
        paths.sort(null);
        return new Input("a folder of files", paths.size(), paths, 0, null, null);
    }

    private static Input readShards(Settings settings, int size, double crop, Configuration conf) throws IOException {
        DataSpec data = DataSource.of(settings.data()).imageSize(size).augmentation(Augmentation.NONE).evalCrop(crop)
                .shardCheck(settings.shardCheck()).resolve(conf);
        ShardManifest manifest = ShardManifest.read(HadoopFiles.of(data.location(), conf), data.location(), "--data");
        ShardManifest.Split split = manifest.split(settings.split(), "--data " + settings.data());
        int shards = split.shards().size();
        LoadJpegShards loader = new LoadJpegShards(data.location(), split.shards(), shards, 0, settings.split(),
                settings.shardCheck(), new SerializableConfiguration(conf));
        return new Input("the " + settings.split() + " split, " + shards + " shards", split.images(), List.of(),
                shards, loader, SavedModel.classNames(data, "--data " + settings.data(), conf));
    }

    /** Tasks for a folder: at least one per worker, at most {@value #BATCHES_PER_TASK} minibatches each. */
    static int partitions(long images, Settings settings) {
        long perTask = (long) settings.batchSize() * BATCHES_PER_TASK;
        long tasks = Math.max(settings.workers(), (images + perTask - 1) / perTask);
        return (int) Math.max(1, Math.min(tasks, images));
    }

    /** Prints a progress line every {@value #PROGRESS_SECONDS} s while the tasks run. */
    private static ScheduledExecutorService progress(PrintStream console, ScoringCounts counts, long images,
                                                     long started) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "predict-progress");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(() -> {
            long done = counts.scored().value() + counts.failed().value();
            double seconds = (System.nanoTime() - started) / 1e9;
            double rate = done / seconds;
            console.printf(Locale.ROOT, "  predict: %d/%d images (%d not scored)  %.0f images/s  ETA %s%n", done,
                    images, counts.failed().value(), rate, done == 0 ? "?"
                            : ConsoleProgress.formatDuration((images - done) / rate));
        }, PROGRESS_SECONDS, PROGRESS_SECONDS, TimeUnit.SECONDS);
        return timer;
    }
}
