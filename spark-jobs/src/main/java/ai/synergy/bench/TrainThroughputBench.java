package ai.synergy.bench;

import ai.synergy.training.AdversarialTraining;
import ai.synergy.dks.SupervisionConfig;
import ai.synergy.config.Json;
import ai.synergy.jobs.TrainJob;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelCost;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import ai.synergy.nd4j.Nd4jRuntime;
import ai.synergy.sharding.BatchSpec;
import ai.synergy.sharding.ImageShard;
import ai.synergy.sharding.LoadIdxShard;
import ai.synergy.sharding.RoundBatches;
import ai.synergy.sharding.WorkerShard;
import ai.synergy.spark.SparkContexts;
import ai.synergy.training.DataSpec;
import ai.synergy.training.PruningConfig;
import ai.synergy.training.TrainConfig;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark (not a test): ResNet-20 training images/s on Fashion-MNIST in one JVM ({@code fit} on all cores) against
 * {@code train} in Spark {@code local[2]} with 2 workers at averaging frequency 5, measured alternately in one run,
 * plus ND4J's float GEMM peak and the model's achieved GFLOP/s. Writes a JSON and a Markdown result file.
 *
 * <p>Usage: {@code bench/train-throughput.sh [repetitions] [images per measurement]}.
 */
public final class TrainThroughputBench {
    private static final int BATCH = 64;
    private static final int WORKERS = 2;
    private static final int AVERAGING = 5;

    private TrainThroughputBench() {
    }

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int images = args.length > 1 ? Integer.parseInt(args[1]) : 12800;
        Path outDir = Path.of(args.length > 2 ? args[2] : "bench/results");
        Nd4jRuntime.enableLayerHelpers();
        int cores = Runtime.getRuntime().availableProcessors();
        DataSpec data = DataSpec.fashionMnist(null, images, 1000);
        ModelSpec spec = new ModelSpec(ModelArchitecture.parse("resnet20"), 1, 1, 28, 28, 10, data.mean(), data.std(), 1);
        OptimizerSpec optimizer = new OptimizerSpec(0.05, 0.9, 5e-4);
        long macs = ModelCost.forwardMacs(ResNets.configuration(spec, optimizer), InputType.convolutional(28, 28, 1));
        double trainFlopsPerImage = 3.0 * 2.0 * macs; // forward + backward (~2x forward), 2 FLOPs per MAC

        List<Double> gemm = new ArrayList<>();
        List<Double> single = new ArrayList<>();
        List<Double> spark = new ArrayList<>();
        try (JavaSparkContext jsc = SparkContexts.start("synergy-bench", WORKERS)) {
            for (int rep = 0; rep < reps; rep++) {
                Nd4jRuntime.configureThreads(cores);
                gemm.add(gemmGflops(1024, 5));
                single.add(singleJvm(data, spec, optimizer, images));
                spark.add(sparkLocal(jsc, data, spec, optimizer, outDir.resolve("tmp-run-" + rep)));
                System.out.printf("rep %d: GEMM %.1f GFLOP/s, single JVM %.1f images/s, Spark local[2] %.1f images/s%n",
                        rep + 1, gemm.get(rep), single.get(rep), spark.get(rep));
            }
        }
        double gemmPeak = BenchResults.median(gemm);
        double singleIps = BenchResults.median(single);
        double sparkIps = BenchResults.median(spark);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", "resnet20 (1x28x28, 10 classes)");
        result.put("batchSizePerWorker", BATCH);
        result.put("workers", WORKERS);
        result.put("averagingFrequency", AVERAGING);
        result.put("repetitions", reps);
        result.put("imagesPerMeasurement", images);
        result.put("cores", cores);
        result.put("nd4j", Nd4jRuntime.describe());
        result.put("gemmPeakGflops", gemmPeak);
        result.put("singleJvmImagesPerSecond", singleIps);
        result.put("sparkLocal2ImagesPerSecond", sparkIps);
        result.put("sparkToSingleRatio", sparkIps / singleIps);
        result.put("trainGflopsPerImage", trainFlopsPerImage / 1e9);
        result.put("singleJvmGflops", singleIps * trainFlopsPerImage / 1e9);
        result.put("sparkGflops", sparkIps * trainFlopsPerImage / 1e9);
        result.put("singleJvmFractionOfGemmPeak", singleIps * trainFlopsPerImage / 1e9 / gemmPeak);
        result.put("samples", Map.of("gemm", gemm, "singleJvm", single, "sparkLocal2", spark));
        Files.createDirectories(outDir);
        BenchResults.write(outDir.resolve("train-throughput.json"), Json.write(result));
        BenchResults.write(outDir.resolve("train-throughput.md"), markdown(result));
        System.out.println(markdown(result));
    }

    /** Median GFLOP/s of an n x n x n float matrix product. */
    static double gemmGflops(int n, int reps) {
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.create(DataType.FLOAT, n, n);
        Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
        List<Double> samples = new ArrayList<>();
        for (int i = 0; i < reps; i++) {
            long t = System.nanoTime();
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            Nd4j.getExecutioner().commit();
            samples.add(2.0 * n * n * n / ((System.nanoTime() - t) / 1e9) / 1e9);
        }
        return BenchResults.median(samples);
    }

    /** Images/s of plain {@code fit} in this JVM over the same kind of minibatches, after a warm-up. */
    static double singleJvm(DataSpec data, ModelSpec spec, OptimizerSpec optimizer, int images) throws Exception {
        ComputationGraph graph = ResNets.create(spec, optimizer);
        ImageShard shard = new LoadIdxShard(data.trainImages(), data.trainLabels(), 1, images,
                new SerializableConfiguration(new Configuration())).call(0);
        int batches = images / BATCH;
        fit(graph, new RoundBatches(1, 0, 0, 5, BATCH, BatchSpec.plain(10)).call(List.<WorkerShard>of(shard).iterator()));
        long t = System.nanoTime();
        fit(graph, new RoundBatches(1, 1, 0, batches, BATCH, BatchSpec.plain(10)).call(List.<WorkerShard>of(shard).iterator()));
        return batches * BATCH / ((System.nanoTime() - t) / 1e9);
    }

    private static void fit(ComputationGraph graph, Iterator<MultiDataSet> batches) {
        while (batches.hasNext()) {
            graph.fit(batches.next());
        }
    }

    /** Images/s of the {@code train} job's second epoch (the first warms up) in Spark local[2]. */
    static double sparkLocal(JavaSparkContext jsc, DataSpec data, ModelSpec spec, OptimizerSpec optimizer,
                             Path out) throws Exception {
        TrainConfig config = new TrainConfig(data, spec, SupervisionConfig.none(), AdversarialTraining.none(),
                PruningConfig.none(), optimizer, LearningRateSchedule.constant(0.05), 2, WORKERS,
                BATCH, AVERAGING, 256, 1, 1, null);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        try {
            TrainJob.Result result = new TrainJob(jsc, config, new TrainJob.RunOptions(out.toString(), false, 0), quiet)
                    .run();
            EpochMetrics second = result.metrics().get(1);
            return second.imagesPerSecond();
        } finally {
            org.apache.commons.io.FileUtils.deleteDirectory(out.toFile());
        }
    }

    private static String markdown(Map<String, Object> r) {
        return String.format("""
                # Training throughput: single JVM vs Spark local[2] (ResNet-20, Fashion-MNIST)

                Measured alternately in one run, medians of %s repetitions, %s images per measurement, batch %s per worker,
                %s workers, averaging frequency %s, %s cores. ND4J: %s

                | measure | value |
                | --- | --- |
                | ND4J float GEMM peak (1024^3) | %.1f GFLOP/s |
                | single JVM `fit` | %.1f images/s (%.1f GFLOP/s, %.0f%% of GEMM peak) |
                | `train`, Spark local[2], 2 workers | %.1f images/s (%.1f GFLOP/s) |
                | **Spark / single JVM** | **%.3f** |

                Training FLOPs per image: %.4f GFLOP (3 x forward, 2 FLOPs per multiply-accumulate).
                """, r.get("repetitions"), r.get("imagesPerMeasurement"), r.get("batchSizePerWorker"), r.get("workers"),
                r.get("averagingFrequency"), r.get("cores"), r.get("nd4j"), (double) r.get("gemmPeakGflops"),
                (double) r.get("singleJvmImagesPerSecond"), (double) r.get("singleJvmGflops"),
                100 * (double) r.get("singleJvmFractionOfGemmPeak"), (double) r.get("sparkLocal2ImagesPerSecond"),
                (double) r.get("sparkGflops"), (double) r.get("sparkToSingleRatio"),
                (double) r.get("trainGflopsPerImage"));
    }
}
