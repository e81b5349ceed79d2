package ai.synergy.bench;

import ai.synergy.run.RunFolder;
import ai.synergy.training.RoundExchange;
import ai.synergy.nd4j.BatchNormHelpers;
import ai.synergy.nd4j.ConvolutionHelpers;
import ai.synergy.cluster.LoopbackCluster;
import ai.synergy.config.Json;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelCost;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import ai.synergy.nd4j.Nd4jRuntime;
import ai.synergy.dataset.DataSpec;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.commons.io.FileUtils;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark (not a test) of training throughput, everything measured side by side in one run, alternating, as medians
 * of repetitions: ND4J's float GEMM peak; for ResNet-20 (3x32x32) and ResNet-18 (3x224x224, small batch) the training
 * images/s of DL4J in a single JVM ({@link FitThroughputBench}; 2 threads, 1 thread, and 2 threads with DL4J's oneDNN
 * batch norm instead of {@code ChannelBatchNormHelper}), of {@code synergy train} in Spark {@code local[2]}
 * and on a loopback standalone cluster (2 single-core executor JVMs), each Spark run's epoch time split
 * (compute, data, averaging/broadcast, scheduling; {@code timings.jsonl}), and the same models trained by PyTorch
 * through DJL (module {@code bench/pytorch-anchor}) as the outside anchor: one JVM with 2 threads, and two
 * single-thread JVMs side by side with their images/s summed (what {@code local[2]}, one thread per worker, competes
 * with). ResNet-50 (3x224x224) is measured as ResNet-18 is. Every measurement is its own JVM.
 *
 * <p>Usage: {@code bench/throughput.sh [repetitions] [work folder]}; writes {@code bench/results/throughput.{json,md}}.
 */
public final class ThroughputBench {
    private static final Duration CHILD_TIMEOUT = Duration.ofMinutes(20);
    private static final int CORES = 2;
    private static final int WORKERS = 2;
    private static final int AVERAGING = 5;
    /** Variant: DL4J's oneDNN batch-norm helper instead of ours. */
    static final String BN_DL4J = "-bndl4j";
    /** Variant: DL4J's oneDNN convolution helper instead of ours ({@code -Dsynergy.conv=dl4j}). */
    static final String CONV_DL4J = "-convdl4j";
    /** Variant: the G1 collector (the JVM's default) instead of the parallel one bin/synergy chooses. */
    static final String G1 = "-g1";
    /** Variant: the rounds' arrays through Spark's broadcast and task results instead of the driver's round server. */
    static final String SPARK_EXCHANGE = "-sparkexchange";

    /**
     * One model's settings.
     *
     * @param model         model name
     * @param batch         minibatch per fit (single JVM, each Spark worker, PyTorch)
     * @param shortSide     short side of the prepared JPEG shards
     * @param trainLimit    training images of each Spark run's epoch
     * @param epochs        Spark epochs; the first is a warm-up, images/s is the median of the others
     * @param steps         single-JVM and PyTorch steps per timed window
     * @param executorOffHeap off-heap memory of each cluster executor
     */
    record Workload(String model, int batch, int shortSide, int trainLimit, int epochs, int steps,
                    String executorOffHeap) {
        int imageSize() {
            return FitThroughputBench.inputSize(ModelArchitecture.parse(model));
        }
    }

    static final List<Workload> WORKLOADS = List.of(
            new Workload("resnet20", 64, 36, 2560, 3, 8, "3g"),
            new Workload("resnet18", 8, 256, 160, 2, 4, "5g"),
            new Workload("resnet50", 8, 256, 80, 2, 3, "6g"));

    private final Path root;
    private final Path work;
    private final boolean anchor;
    private final Map<String, List<Double>> samples = new LinkedHashMap<>();
    private final Map<String, List<JsonNode>> splits = new LinkedHashMap<>();
    /** Per model, why a PyTorch anchor run failed (libtorch crashed), when one did: reported, not fatal. */
    private final Map<String, String> anchorFailures = new LinkedHashMap<>();

    private ThroughputBench(Path root, Path work, boolean anchor) {
        this.root = root;
        this.work = work;
        this.anchor = anchor;
    }

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Path work = Path.of(args.length > 1 ? args[1] : "/tmp/synergy-throughput").toAbsolutePath();
        Path outDir = Path.of(args.length > 2 ? args[2] : "bench/results");
        String only = System.getProperty("synergy.bench.only", "");
        Path root = Path.of(System.getProperty("synergy.bench.root", ".")).toAbsolutePath();
        boolean anchor = Boolean.parseBoolean(System.getProperty("synergy.bench.anchor", "true"));
        boolean withCluster = Boolean.parseBoolean(System.getProperty("synergy.bench.cluster", "true"));
        // which groups of runs: single, local2, cluster, anchor (comma-separated; empty: all)
        List<String> groups = List.of(System.getProperty("synergy.bench.groups", "").split(","));
        java.util.function.Predicate<String> wanted = g -> groups.equals(List.of("")) || groups.contains(g);
        // false: only this tree's own runs, without the "before" variants (DL4J's helpers, G1)
        boolean variants = Boolean.parseBoolean(System.getProperty("synergy.bench.variants", "true"));
        // a partial run (one model, no anchor or cluster) writes files of its own name, not throughput.{json,md}
        String name = System.getProperty("synergy.bench.name", "throughput");
        Files.createDirectories(work);
        ThroughputBench bench = new ThroughputBench(root, work, anchor);
        bench.prepareData();
        List<Workload> workloads = WORKLOADS.stream().filter(w -> only.isEmpty() || only.contains(w.model())).toList();
        LoopbackCluster cluster = withCluster ? LoopbackCluster.start(new LoopbackCluster.Options(WORKERS, 1, "8g",
                clusterHome(work), LoopbackCluster.currentClasspath(), Map.of(), Duration.ofSeconds(120))) : null;
        try {
            Nd4jRuntime.configureThreads(CORES);
            for (int rep = 0; rep < reps; rep++) {
                bench.add("gemm", gemmGflops(1024, 5));
                for (Workload w : workloads) {
                    if (wanted.test("single")) {
                        bench.singleJvm(w, CORES, "");
                        bench.singleJvm(w, 1, "");
                        if (variants) {
                            bench.singleJvm(w, CORES, CONV_DL4J);
                            bench.singleJvm(w, 1, CONV_DL4J);
                            bench.singleJvm(w, CORES, BN_DL4J);
                        }
                    }
                    if (wanted.test("local2")) {
                        bench.spark(w, "local2", null, "");
                        if (variants) {
                            bench.spark(w, "local2", null, CONV_DL4J);
                            bench.spark(w, "local2", null, G1);
                        }
                    }
                    if (withCluster && wanted.test("cluster")) {
                        bench.spark(w, "cluster", cluster.masterUrl(), "");
                        bench.spark(w, "cluster", cluster.masterUrl(), SPARK_EXCHANGE);
                    }
                    if (wanted.test("anchor")) {
                        bench.anchor(w);
                    }
                }
                System.out.printf("repetition %d of %d done: %s%n", rep + 1, reps, bench.samples);
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
        Map<String, Object> result = bench.summary(reps, workloads);
        BenchResults.write(outDir.resolve(name + ".json"), Json.write(result));
        String md = ThroughputReport.markdown(result);
        BenchResults.write(outDir.resolve(name + ".md"), md);
        System.out.println(md);
    }

    /** Median GFLOP/s of an n x n x n float matrix product (ND4J's GEMM, this JVM's thread setting). */
    static double gemmGflops(int n, int reps) {
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.create(DataType.FLOAT, n, n);
        Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
        List<Double> gflops = new ArrayList<>();
        for (int i = 0; i < reps; i++) {
            long t = System.nanoTime();
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            Nd4j.getExecutioner().commit();
            gflops.add(2.0 * n * n * n / ((System.nanoTime() - t) / 1e9) / 1e9);
        }
        return BenchResults.median(gflops);
    }

    private void add(String key, double value) {
        samples.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }

    /** Fashion-MNIST (4,000 + 200 images) in the ILSVRC layout, prepared into 2 shards per workload's short side. */
    private void prepareData() throws IOException, InterruptedException {
        Path ilsvrc = work.resolve("ilsvrc");
        if (!Files.exists(ilsvrc.resolve("train"))) {
            run("convert", List.of("convert", "--input", DataSpec.FASHION_MNIST_DIR, "--output", ilsvrc.toString(),
                    "--train-limit", "4000", "--val-limit", "200"), Map.of());
        }
        for (Workload w : WORKLOADS) {
            Path shards = shards(w);
            if (!Files.exists(shards.resolve("manifest.json"))) {
                run("prepare-" + w.shortSide(), List.of("prepare", "--input", ilsvrc.toString(), "--output",
                        shards.toString(), "--shards", String.valueOf(WORKERS), "--short-side",
                        String.valueOf(w.shortSide())), Map.of());
            }
        }
    }

    private Path shards(Workload w) {
        return work.resolve("shards-" + w.shortSide());
    }

    /**
     * {@link FitThroughputBench} in its own JVM with {@code threads} ND4J threads; {@code variant} {@value #BN_DL4J}
     * measures the ResNets with DL4J's oneDNN batch-norm helper (as before {@code ChannelBatchNormHelper}),
     * {@value #CONV_DL4J} with DL4J's oneDNN convolution helper (as before {@code OneDnnConvHelper}).
     */
    private void singleJvm(Workload w, int threads, String variant) throws IOException, InterruptedException {
        Path out = work.resolve("fit-" + w.model() + ".json");
        Files.deleteIfExists(out);
        List<String> args = new ArrayList<>(List.of("--model", w.model(), "--batch", String.valueOf(w.batch()),
                "--threads", String.valueOf(threads), "--warmup", "3", "--steps", String.valueOf(w.steps()),
                "--windows", "3", "--out", out.toString()));
        String key = (threads == CORES ? "single" : "single" + threads) + variant;
        String javaOpts = "-Xmx3g" + variantOptions(variant);
        run("fit-" + w.model() + "-" + key, args, Map.of("SYNERGY_MAIN_CLASS", FitThroughputBench.class.getName(),
                "SYNERGY_JAVA_OPTS", javaOpts, "SYNERGY_EXTRA_CLASSPATH", benchClasses()));
        add(w.model() + "." + key, Json.readTree(Files.readString(out), out.toString())
                .path("imagesPerSecondMedian").asDouble());
    }

    /** The JVM options of a variant (empty: the project's defaults). */
    private static String variantOptions(String variant) {
        return switch (variant) {
            case BN_DL4J -> " -D" + BatchNormHelpers.PROPERTY + "=dl4j";
            case CONV_DL4J -> " -D" + ConvolutionHelpers.PROPERTY + "=dl4j";
            case G1 -> " -XX:+UseG1GC";
            case SPARK_EXCHANGE -> " -D" + RoundExchange.KEY + "=spark";
            default -> "";
        };
    }

    /**
     * {@code synergy train} on the workload's shards; records the images/s and time split of epochs 2.. . A variant
     * goes into the driver's JVM options: a helper or collector variant applies to local mode only (the executors
     * share the driver's JVM there), the exchange variant to both (the driver chooses it).
     */
    private void spark(Workload w, String place, String masterUrl, String variant)
            throws IOException, InterruptedException {
        String where = place + variant;
        Path out = work.resolve("run-" + w.model() + "-" + where);
        FileUtils.deleteDirectory(out.toFile());
        Map<String, String> env = new HashMap<>();
        env.put("SYNERGY_JAVA_OPTS", (masterUrl == null ? "-Xmx6g" : "-Xmx3g") + variantOptions(variant));
        if (masterUrl != null) {
            env.put("SYNERGY_MASTER", masterUrl);
            env.put("SYNERGY_EXECUTOR_MEMORY", "2g");
            env.put("SYNERGY_EXECUTOR_OFFHEAP", w.executorOffHeap());
            // the loopback cluster authenticates every connection; bin/synergy reads the secret from this file
            env.put("SYNERGY_SECRET_FILE", clusterHome(work).resolve(LoopbackCluster.SECRET_FILE).toString());
        }
        run("train-" + w.model() + "-" + where, List.of("train", "--data", "imagenet:" + shards(w), "--image-size",
                String.valueOf(w.imageSize()), "--model", w.model(), "--workers", String.valueOf(WORKERS),
                "--batch-size", String.valueOf(w.batch()), "--averaging-frequency", String.valueOf(AVERAGING),
                "--epochs", String.valueOf(w.epochs()), "--train-limit", String.valueOf(w.trainLimit()),
                "--test-limit", "64", "--eval-batch-size", "32", "--keep-checkpoints", "1", "--out",
                out.toString()), env);
        List<Double> rates = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve(RunFolder.METRICS))) {
            JsonNode m = Json.readTree(line, RunFolder.METRICS);
            if (m.path("epoch").asInt() > 1) {
                rates.add(m.path("imagesPerSecond").asDouble());
            }
        }
        add(w.model() + "." + where, BenchResults.median(rates));
        for (String line : Files.readAllLines(out.resolve("timings.jsonl"))) {
            JsonNode t = Json.readTree(line, "timings.jsonl");
            if (t.path("epoch").asInt() > 1) {
                splits.computeIfAbsent(w.model() + "." + where, k -> new ArrayList<>()).add(t);
            }
        }
        FileUtils.deleteDirectory(out.toFile());
    }

    private void anchor(Workload w) throws IOException, InterruptedException {
        if (!anchor || anchorFailures.containsKey(w.model())) {
            return;
        }
        try {
            anchorRuns(w);
        } catch (IllegalStateException e) {   // a libtorch crash: the other runs' figures still stand
            String first = e.getMessage().lines().filter(l -> l.contains("SIG") || l.contains("Problematic frame")
                    || l.contains("C  [")).reduce((a, b) -> a + " " + b).orElse(e.getMessage().lines().findFirst()
                    .orElse(""));
            anchorFailures.put(w.model(), first.replaceAll("\\s+", " ").strip());
            System.out.printf("  anchor-%s failed: %s%n", w.model(), anchorFailures.get(w.model()));
        }
    }

    private void anchorRuns(Workload w) throws IOException, InterruptedException {
        Path out = work.resolve("anchor-" + w.model() + ".json");
        Files.deleteIfExists(out);
        Map<String, String> env = new HashMap<>();
        env.put("SKIP_BUILD", "1");
        // PyTorch's own default (its OpenMP threads spin while waiting), unless bench/throughput.sh is told otherwise
        env.put("OMP_WAIT_POLICY", System.getProperty("synergy.bench.anchorWaitPolicy", "ACTIVE"));
        runCommand("anchor-" + w.model(), List.of(root.resolve("bench/pytorch-anchor.sh").toString(), "--model",
                w.model(), "--batch", String.valueOf(w.batch()), "--threads", String.valueOf(CORES), "--warmup", "3",
                "--steps", String.valueOf(w.steps()), "--windows", "3", "--classes", "10", "--out", out.toString()),
                env);
        add(w.model() + ".pytorch", Json.readTree(Files.readString(out), out.toString())
                .path("imagesPerSecondMedian").asDouble());
        anchorPerWorker(w, env);
    }

    /**
     * PyTorch with one thread per worker, as {@code local[2]} runs: {@value #WORKERS} single-thread anchor JVMs
     * started together on the {@value #CORES} cores, each timing its own windows; their median images/s summed.
     */
    private void anchorPerWorker(Workload w, Map<String, String> env) throws IOException, InterruptedException {
        List<Path> outs = new ArrayList<>();
        List<ChildProcess> started = new ArrayList<>();
        for (int worker = 0; worker < WORKERS; worker++) {
            Path out = work.resolve("anchor-" + w.model() + "-worker" + worker + ".json");
            Files.deleteIfExists(out);
            outs.add(out);
            started.add(ChildProcess.start(work.resolve("logs"), "anchor-" + w.model() + "-worker" + worker, List.of(
                    root.resolve("bench/pytorch-anchor.sh").toString(), "--model", w.model(), "--batch",
                    String.valueOf(w.batch()), "--threads", "1", "--warmup", "3", "--steps",
                    String.valueOf(w.steps()), "--windows", "3", "--classes", "10", "--out", out.toString()), env));
        }
        double sum = 0;
        for (int worker = 0; worker < WORKERS; worker++) {
            started.get(worker).await(CHILD_TIMEOUT);
            Path out = outs.get(worker);
            sum += Json.readTree(Files.readString(out), out.toString()).path("imagesPerSecondMedian").asDouble();
        }
        add(w.model() + ".pytorch1x2", sum);
    }

    /** This module's classes (bench/jvm/target/classes), which a bin/synergy child running one of them needs. */
    private static String benchClasses() {
        try {
            return Path.of(ThroughputBench.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The loopback cluster's folder (its logs, work dirs and secret file) under the bench's work folder. */
    private static Path clusterHome(Path work) {
        return work.resolve("cluster");
    }

    /** Runs {@code bin/synergy args} as a child process. */
    private void run(String name, List<String> args, Map<String, String> env) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(root.resolve("bin/synergy").toString());
        command.addAll(args);
        runCommand(name, command, env);
    }

    private void runCommand(String name, List<String> command, Map<String, String> env)
            throws IOException, InterruptedException {
        ChildProcess.start(work.resolve("logs"), name, command, env).await(CHILD_TIMEOUT);
    }

    private Map<String, Object> summary(int reps, List<Workload> workloads) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("repetitions", reps);
        r.put("cores", Runtime.getRuntime().availableProcessors());
        r.put("nd4j", Nd4jRuntime.describe());
        r.put("workers", WORKERS);
        r.put("averagingFrequency", AVERAGING);
        double gemm = BenchResults.median(samples.get("gemm"));
        r.put("gemmPeakGflops", gemm);
        List<Map<String, Object>> models = new ArrayList<>();
        for (Workload w : workloads) {
            ModelSpec spec = FitThroughputBench.spec(w.model(), 10);
            long macs = ModelCost.forwardMacs(ResNets.configuration(spec, new OptimizerSpec(0.05, 0.9, 5e-4)),
                    InputType.convolutional(spec.inputHeight(), spec.inputWidth(), 3));
            double gflopPerImage = 3.0 * 2.0 * macs / 1e9;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", w);
            m.put("imageSize", w.imageSize());
            m.put("trainGflopPerImage", gflopPerImage);
            Map<String, Double> medians = new LinkedHashMap<>();
            for (String where : ThroughputReport.RUNS) {
                List<Double> s = samples.get(w.model() + "." + where);
                if (s != null) {
                    medians.put(where, BenchResults.median(s));
                }
            }
            m.put("imagesPerSecond", medians);
            Map<String, Double> fractionOfPeak = new LinkedHashMap<>();
            medians.forEach((k, v) -> fractionOfPeak.put(k, v * gflopPerImage / gemm));
            m.put("fractionOfGemmPeak", fractionOfPeak);
            Map<String, Object> splitMedians = new LinkedHashMap<>();
            for (String where : List.of("local2", "local2" + CONV_DL4J, "local2" + G1, "cluster",
                    "cluster" + SPARK_EXCHANGE)) {
                List<JsonNode> s = splits.get(w.model() + "." + where);
                if (s != null) {
                    Map<String, Double> parts = new LinkedHashMap<>();
                    for (String part : List.of("compute", "data", "averaging", "scheduling")) {
                        parts.put(part, BenchResults.median(s.stream().map(t -> t.path(part + "Seconds").asDouble()
                                / t.path("wallSeconds").asDouble()).toList()));
                    }
                    splitMedians.put(where, parts);
                }
            }
            m.put("timeSplit", splitMedians);
            Map<String, List<Double>> raw = new LinkedHashMap<>();
            samples.forEach((k, v) -> {
                if (k.startsWith(w.model() + ".")) {
                    raw.put(k.substring(w.model().length() + 1), v);
                }
            });
            m.put("samples", raw);
            if (anchorFailures.containsKey(w.model())) {
                m.put("anchorFailure", anchorFailures.get(w.model()));
            }
            models.add(m);
        }
        r.put("models", models);
        r.put("gemmSamples", samples.get("gemm"));
        return r;
    }
}
