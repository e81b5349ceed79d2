package ai.synergy.bench.anchor;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import ai.djl.util.Utils;
import com.sun.management.OperatingSystemMXBean;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Benchmark (not a test): training images/s of the project's ResNets with DJL + PyTorch (libtorch) on CPU, an outside
 * anchor for the DL4J training throughput ({@code bench/throughput.sh}).
 *
 * <p>Synthetic data (uniform [0, 1) inputs, random labels, a few distinct NCHW batches generated before timing and
 * reused cyclically); each step is forward, softmax cross-entropy, backward and an SGD update. After the warm-up steps,
 * {@code --windows} windows of {@code --steps} steps are timed; images/s of a window is steps * batch / seconds, and the
 * median over windows is reported. DJL always runs offline here: nothing is downloaded, libtorch and the JNI library
 * are extracted from the jars on the classpath into {@code DJL_CACHE_DIR}.
 *
 * <p>Usage: {@code bench/pytorch-anchor.sh --model resnet20 --batch 64 --threads 2 --out result.json}.
 */
@Command(name = "pytorch-anchor", sortOptions = false,
        description = "Training images/s of ResNet-20/18 with DJL + PyTorch on CPU (synthetic data).")
public final class PytorchTrainThroughput implements Callable<Integer> {
    private static final String ENGINE = "PyTorch";

    @Spec
    private CommandSpec spec;

    @Option(names = "--model", description = "resnet20 (CIFAR family), resnet18 or resnet50 (ImageNet family); default resnet20")
    private String model = "resnet20";

    @Option(names = "--batch", description = "images per step; default 64")
    private int batch = 64;

    @Option(names = "--warmup", description = "untimed steps before the first window; default 5")
    private int warmup = 5;

    @Option(names = "--steps", description = "timed steps per window; default 10")
    private int steps = 10;

    @Option(names = "--windows", description = "timed windows, the median is reported; default 5")
    private int windows = 5;

    @Option(names = "--threads", description = "PyTorch intra-op threads (inter-op threads are 1); default: all cores")
    private int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--input", description = "CxHxW input shape; default 3x32x32 (resnet20), 3x224x224 (resnet18, resnet50)")
    private String input;

    @Option(names = "--classes", description = "classes; default 10 (resnet20), 1000 (resnet18, resnet50)")
    private Integer classes;

    @Option(names = "--distinct-batches", description = "synthetic batches, reused cyclically; default 4")
    private int distinctBatches = 4;

    @Option(names = "--seed", description = "PyTorch random seed (weights, data); default 42")
    private int seed = 42;

    @Option(names = "--out", description = "JSON result file (written to a temporary name, then renamed)")
    private Path out;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "this help")
    private boolean help;

    /** Runs the benchmark; exit status 2 on bad arguments. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new PytorchTrainThroughput()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        int[] shape = validate();
        int numClasses = classes != null ? classes : !model.equals("resnet20") ? 1000 : 10;

        // Before DJL's first use: never download (no libtorch, no JNI lib, no EC2 telemetry call), and the thread pools.
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        if (!Utils.isOfflineMode()) {
            throw new IllegalStateException("DJL_OFFLINE in the environment turns DJL's offline mode off; unset it");
        }

        long t0 = System.nanoTime();
        Engine engine = Engine.getEngine(ENGINE);
        double engineStartSeconds = (System.nanoTime() - t0) / 1e9;
        engine.setRandomSeed(seed);

        AnchorResNets.Network network = AnchorResNets.build(model, shape[0], shape[1], shape[2], numClasses);
        Shape inputShape = new Shape(batch, shape[0], shape[1], shape[2]);

        // SGD lr 0.05, momentum 0.9 (classical, as DJL's Sgd and torch.optim.SGD; the DL4J side uses Nesterov
        // momentum, same cost), weight decay 5e-4 (DJL applies it to every parameter, DL4J's l2 to weights only).
        Optimizer sgd = Optimizer.sgd()
                .setLearningRateTracker(Tracker.fixed(0.05f))
                .optMomentum(0.9f)
                .optWeightDecays(5e-4f)
                .build();
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(sgd)
                .optDevices(new Device[] {Device.cpu()});

        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Map<String, Object> result = new LinkedHashMap<>();
        try (Model m = Model.newInstance(model, Device.cpu(), ENGINE);
             NDManager data = NDManager.newBaseManager(Device.cpu(), ENGINE)) {
            m.setDataType(DataType.FLOAT32);
            m.setBlock(network.block());
            try (Trainer trainer = m.newTrainer(config)) {
                trainer.initialize(inputShape);
                long trainable = 0;
                long all = 0;
                for (Pair<String, Parameter> p : network.block().getParameters()) {
                    long size = p.getValue().getArray().size();
                    all += size;
                    if (p.getValue().requiresGradient()) {
                        trainable += size;
                    }
                }

                List<NDList> inputs = new ArrayList<>();
                List<NDList> labels = new ArrayList<>();
                for (int i = 0; i < distinctBatches; i++) {
                    inputs.add(new NDList(data.randomUniform(0f, 1f, inputShape, DataType.FLOAT32)));
                    labels.add(new NDList(data.randomInteger(0, numClasses, new Shape(batch), DataType.INT64)));
                }

                int cursor = 0;
                long w0 = System.nanoTime();
                float warmupLoss = Float.NaN;
                for (int i = 0; i < warmup; i++, cursor++) {
                    warmupLoss = step(trainer, inputs.get(cursor % distinctBatches),
                            labels.get(cursor % distinctBatches), i == warmup - 1);
                }
                double warmupSeconds = (System.nanoTime() - w0) / 1e9;

                List<Double> samples = new ArrayList<>();
                List<Double> seconds = new ArrayList<>();
                List<Double> cpuCores = new ArrayList<>();
                double loadBefore = os.getSystemLoadAverage();
                float lastLoss = Float.NaN;
                for (int w = 0; w < windows; w++) {
                    long cpuStart = os.getProcessCpuTime();
                    long start = System.nanoTime();
                    for (int s = 0; s < steps; s++, cursor++) {
                        float loss = step(trainer, inputs.get(cursor % distinctBatches),
                                labels.get(cursor % distinctBatches), s == steps - 1);
                        if (s == steps - 1) {
                            lastLoss = loss;
                        }
                    }
                    double sec = (System.nanoTime() - start) / 1e9;
                    cpuCores.add((os.getProcessCpuTime() - cpuStart) / 1e9 / sec);
                    seconds.add(sec);
                    samples.add((double) steps * batch / sec);
                }
                double median = median(samples);
                double trainGflopsPerImage = 3.0 * 2.0 * network.forwardMacsPerImage() / 1e9;

                result.put("model", model);
                result.put("input", shape[0] + "x" + shape[1] + "x" + shape[2]);
                result.put("classes", numClasses);
                result.put("batch", batch);
                result.put("threads", threads);
                result.put("interopThreads", 1);
                result.put("effectiveThreads", torchThreads("getNumThreads"));
                result.put("effectiveInteropThreads", torchThreads("getNumInteropThreads"));
                result.put("warmupSteps", warmup);
                result.put("stepsPerWindow", steps);
                result.put("windows", windows);
                result.put("imagesPerSecondSamples", samples);
                result.put("imagesPerSecondMedian", median);
                result.put("secondsPerWindow", seconds);
                // cores this process kept busy per window (all threads); well under --threads means the CPU was shared
                result.put("processCpuCoresPerWindow", cpuCores);
                result.put("loadAverageBefore", loadBefore);
                result.put("loadAverageAfter", os.getSystemLoadAverage());
                result.put("parameters", trainable);
                result.put("parametersIncludingBatchNormStatistics", all);
                result.put("forwardMacsPerImage", network.forwardMacsPerImage());
                result.put("trainGflopsPerImage", trainGflopsPerImage);
                result.put("gflopsMedian", median * trainGflopsPerImage);
                result.put("engine", ENGINE + " " + engine.getVersion());
                result.put("djl", Engine.getDjlVersion());
                result.put("optimizer", "DJL Sgd lr 0.05 momentum 0.9 weightDecay 5e-4 (classical momentum)");
                result.put("initializer", "DJL default: XavierInitializer(GAUSSIAN, IN, 2) = He normal fan-in");
                result.put("dataType", "float32");
                result.put("distinctBatches", distinctBatches);
                result.put("seed", seed);
                result.put("warmupSeconds", warmupSeconds);
                result.put("engineStartSeconds", engineStartSeconds);
                result.put("lossAfterWarmup", warmupLoss);
                result.put("lossAtEnd", lastLoss);
                result.put("cores", Runtime.getRuntime().availableProcessors());
                result.put("ompNumThreads", System.getenv("OMP_NUM_THREADS"));
                // libgomp's busy-waiting: with ACTIVE (its default) and a shared CPU, 2 threads on 2 cores can be
                // several times slower than 1; bench/pytorch-anchor.sh passes it through
                result.put("ompWaitPolicy", System.getenv("OMP_WAIT_POLICY"));
                result.put("java", System.getProperty("java.version"));
                result.put("timestamp", Instant.now().toString());

                for (NDList l : inputs) {
                    l.close();
                }
                for (NDList l : labels) {
                    l.close();
                }
            }
        }

        if (out != null) {
            writeAtomically(out, toJson(result) + "\n");
        }
        System.out.printf(Locale.ROOT,
                "pytorch-anchor %s %s batch %d threads %d: %.1f images/s median of %d windows %s, %d parameters "
                        + "(%d with BN statistics), %.1f GFLOP/s, %s%n",
                model, result.get("input"), batch, threads, (Double) result.get("imagesPerSecondMedian"), windows,
                format((List<?>) result.get("imagesPerSecondSamples")), (Long) result.get("parameters"),
                (Long) result.get("parametersIncludingBatchNormStatistics"), (Double) result.get("gflopsMedian"),
                result.get("engine"));
        return 0;
    }

    /** One training step on a batch; returns the loss when asked (NaN otherwise). */
    private static float step(Trainer trainer, NDList x, NDList y, boolean readLoss) {
        // Everything computed from x and y lands in this scope and is freed with it; x and y go back to their manager.
        try (NDManager scope = trainer.getManager().newSubManager()) {
            x.tempAttach(scope);
            y.tempAttach(scope);
            float loss = Float.NaN;
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDList predictions = trainer.forward(x);
                NDArray lossValue = trainer.getLoss().evaluate(y, predictions);
                gc.backward(lossValue);
                if (readLoss) {
                    loss = lossValue.getFloat();
                }
            }
            trainer.step();
            return loss;
        }
    }

    /** Checks the options; returns the input shape {C, H, W}. */
    private int[] validate() {
        if (!model.equals("resnet20") && !model.equals("resnet18") && !model.equals("resnet50")) {
            throw usage("--model must be resnet20, resnet18 or resnet50, got '" + model + "'");
        }
        positive("--batch", batch);
        if (warmup < 0) {
            throw usage("--warmup must be >= 0, got " + warmup);
        }
        positive("--steps", steps);
        positive("--windows", windows);
        positive("--threads", threads);
        positive("--distinct-batches", distinctBatches);
        if (classes != null) {
            positive("--classes", classes);
        }
        if (out != null && (out.getFileName() == null || Files.isDirectory(out))) {
            throw usage("--out must name a file, got '" + out + "'");
        }
        String s = input != null ? input : !model.equals("resnet20") ? "3x224x224" : "3x32x32";
        String[] parts = s.toLowerCase(Locale.ROOT).split("x");
        try {
            if (parts.length == 3) {
                int[] shape = {Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])};
                if (shape[0] > 0 && shape[1] > 0 && shape[2] > 0) {
                    return shape;
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw usage("--input must be CxHxW with positive integers (e.g. 3x32x32), got '" + input + "'");
    }

    private void positive(String flag, int value) {
        if (value < 1) {
            throw usage(flag + " must be >= 1, got " + value);
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** PyTorch's own thread count (at::get_num_threads / get_num_interop_threads), read through DJL's JniUtils. */
    private static Object torchThreads(String method) {
        try {
            return Class.forName("ai.djl.pytorch.jni.JniUtils").getMethod(method).invoke(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String format(List<?> values) {
        List<String> parts = new ArrayList<>();
        for (Object v : values) {
            parts.add(String.format(Locale.ROOT, "%.1f", (Double) v));
        }
        return "[" + String.join(", ", parts) + "]";
    }

    private static void writeAtomically(Path target, String text) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A minimal JSON writer for the result: strings, numbers (NaN and infinities as null), booleans, lists. */
    static String toJson(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String s) {
            StringBuilder b = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    default -> {
                        if (c < 0x20) {
                            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            return b.append('"').toString();
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            return Double.isFinite(d) ? Double.toString(d) : "null";
        }
        if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        if (value instanceof List<?> list) {
            List<String> items = new ArrayList<>();
            for (Object o : list) {
                items.add(toJson(o));
            }
            return "[" + String.join(", ", items) + "]";
        }
        if (value instanceof Map<?, ?> map) {
            StringBuilder b = new StringBuilder("{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                b.append("  ").append(toJson(String.valueOf(e.getKey()))).append(": ").append(toJson(e.getValue()));
                b.append(++i < map.size() ? ",\n" : "\n");
            }
            return b.append('}').toString();
        }
        return toJson(value.toString());
    }
}
