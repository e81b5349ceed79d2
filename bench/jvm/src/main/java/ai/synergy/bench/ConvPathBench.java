package ai.synergy.bench;

import ai.synergy.config.Json;
import ai.synergy.model.ModelCost;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import ai.synergy.nd4j.ConvolutionHelpers;
import ai.synergy.nd4j.Nd4jRuntime;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark (not a test) of the convolution routes for issue 20, per convolution shape of a ResNet at 224 (batch 8),
 * with 1 and 2 ND4J threads, all in one JVM, alternating routes, threads and repetitions: DL4J's layer with its oneDNN
 * helper ({@code MKLDNNConvHelper}, libnd4j's conv2d op), with {@code Im2colConvHelper} (im2col + one ND4J GEMM per
 * product) and with {@code OneDnnConvHelper} (oneDNN with cached primitives). Each route runs the same DL4J layer
 * object through its public API: forward ({@code activate}) and training step ({@code backpropGradient}, which
 * without a forward cache recomputes the forward pass, so it is forward + backward data + backward weights, what one
 * training step costs a layer); GFLOP/s counts 2 FLOPs per multiply-add, 3 products per training step; the share of
 * the GEMM peak divides by ND4J's float GEMM (1024^3) measured in the same JVM at the same thread count
 * ({@link ThroughputBench#gemmGflops}). Writes {@code conv-path.{json,md}}.
 *
 * <p>Usage: {@code bench/conv-path.sh [repetitions] [model] [batch]}.
 */
public final class ConvPathBench {
    static final List<String> ROUTES = List.of("dl4j", "im2col", "onednn");
    private static final int[] THREADS = {1, 2};
    private static final int TIMED = 3;
    /**
     * With one ND4J thread, OpenMP and OpenBLAS run on the calling thread, so its CPU time (nanosecond clock) is what
     * a layer costs, whatever else runs on the machine; the process's CPU time (10 ms ticks) per wall second tells how
     * much of the machine a route got.
     */
    private static final java.lang.management.ThreadMXBean THREAD = java.lang.management.ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean CPU =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    private ConvPathBench() {
    }

    /** One distinct convolution shape of the model, and how many layers have it. */
    record Shape(ModelCost.Convolution conv, int layers) {
        String key() {
            return conv.channels() + "x" + conv.height() + "x" + conv.width() + " -> " + conv.outChannels() + " k"
                    + conv.kernel() + " s" + conv.stride();
        }
    }

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        String model = args.length > 1 ? args[1] : "resnet18";
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        Path outDir = Path.of(args.length > 3 ? args[3] : "bench/results");
        Nd4jRuntime.enableLayerHelpers();
        List<Shape> shapes = shapes(model);
        Map<String, List<Double>> samples = new LinkedHashMap<>();
        Map<String, Double> maxRelError = new LinkedHashMap<>();
        List<Double> rssMiB = new ArrayList<>();
        List<String> load = new ArrayList<>();
        load.add(loadAverage());
        for (int rep = 0; rep < reps; rep++) {
            for (int threads : THREADS) {
                Nd4jRuntime.configureThreads(threads);
                long c0 = THREAD.getCurrentThreadCpuTime();
                add(samples, "gemm." + threads, ThroughputBench.gemmGflops(1024, 5));
                // 6 GEMMs of 2 n^3 FLOPs each (one untimed): GFLOP per CPU second of this thread (1 thread only)
                add(samples, "gemmCpu." + threads, 6 * 2.0 * Math.pow(1024, 3)
                        / (THREAD.getCurrentThreadCpuTime() - c0));
                for (Shape s : shapes) {
                    INDArray x = Nd4j.rand(DataType.FLOAT, batch, s.conv().channels(), s.conv().height(),
                            s.conv().width()).subi(0.5);
                    Map<String, INDArray> outputs = new LinkedHashMap<>();
                    for (String route : ROUTES) {
                        double[] t = time(route, s.conv(), x, outputs);
                        add(samples, key(threads, s, route, "forward"), t[0]);
                        add(samples, key(threads, s, route, "step"), t[1]);
                        add(samples, threads + "|" + route + "|cpu", t[2]);
                        add(samples, key(threads, s, route, "stepCpu"), t[3]);
                    }
                    for (String route : ROUTES) {
                        double err = relError(outputs.get(route), outputs.get("dl4j"));
                        maxRelError.merge(route + " " + s.key(), err, Math::max);
                    }
                }
                System.gc();
                rssMiB.add(residentMiB());
                System.out.printf("repetition %d, %d thread(s) done; resident %.0f MiB%n", rep + 1, threads,
                        rssMiB.get(rssMiB.size() - 1));
            }
        }
        load.add(loadAverage());
        Map<String, Object> result = summary(model, batch, reps, shapes, samples, maxRelError, rssMiB, load);
        BenchResults.write(outDir.resolve("conv-path.json"), Json.write(result));
        String md = markdown(result);
        BenchResults.write(outDir.resolve("conv-path.md"), md);
        System.out.println(md);
    }

    /** The model's distinct convolution shapes at 224 x 224, in network order, with their layer counts. */
    static List<Shape> shapes(String model) {
        ComputationGraphConfiguration conf = ResNets.configuration(FitThroughputBench.spec(model, 10),
                new OptimizerSpec(0.05, 0.9, 5e-4));
        Map<String, int[]> seen = new LinkedHashMap<>();
        Map<String, ModelCost.Convolution> first = new LinkedHashMap<>();
        for (ModelCost.Convolution c : ModelCost.convolutions(conf, InputType.convolutional(224, 224, 3))) {
            String k = new Shape(c, 1).key();
            first.putIfAbsent(k, c);
            seen.computeIfAbsent(k, x -> new int[1])[0]++;
        }
        List<Shape> shapes = new ArrayList<>();
        first.forEach((k, c) -> shapes.add(new Shape(c, seen.get(k)[0])));
        return shapes;
    }

    /** Seconds of one forward and one training step (median of {@value #TIMED} after a warm-up) on {@code route}. */
    private static double[] time(String route, ModelCost.Convolution c, INDArray x, Map<String, INDArray> outputs) {
        System.setProperty(ConvolutionHelpers.PROPERTY, route);
        Layer layer = layer(c);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(x, mgr);
        INDArray y = layer.activate(true, mgr);
        INDArray eps = Nd4j.rand(DataType.FLOAT, y.shape()).subi(0.5);
        outputs.put(route, Nd4j.concat(0, y.reshape(-1), layer.backpropGradient(eps, mgr).getFirst()
                .getGradientFor("W").dup().reshape(-1)));
        List<Double> forward = new ArrayList<>();
        List<Double> step = new ArrayList<>();
        List<Double> stepCpu = new ArrayList<>();
        long cpu0 = CPU.getProcessCpuTime();
        long wall0 = System.nanoTime();
        for (int i = 0; i < TIMED; i++) {
            long t0 = System.nanoTime();
            layer.activate(true, mgr);
            Nd4j.getExecutioner().commit();
            long t1 = System.nanoTime();
            long c1 = THREAD.getCurrentThreadCpuTime();
            layer.backpropGradient(eps, mgr);
            Nd4j.getExecutioner().commit();
            long t2 = System.nanoTime();
            long c2 = THREAD.getCurrentThreadCpuTime();
            forward.add((t1 - t0) / 1e9);
            step.add((t2 - t1) / 1e9);
            stepCpu.add((c2 - c1) / 1e9);
        }
        double cpuPerWall = (CPU.getProcessCpuTime() - cpu0) / (double) (System.nanoTime() - wall0);
        layer.clear();
        return new double[]{BenchResults.median(forward), BenchResults.median(step), cpuPerWall,
                BenchResults.median(stepCpu)};
    }

    /** The convolution as the ResNets configure it (Same mode, no bias, identity), with the route's helper. */
    private static Layer layer(ModelCost.Convolution c) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .weightInit(WeightInit.RELU).convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(c.height(), c.width(), c.channels()))
                .addLayer("conv", new ConvolutionLayer.Builder(c.kernel(), c.kernel()).stride(c.stride(), c.stride())
                        .nOut(c.outChannels()).hasBias(false).activation(Activation.IDENTITY).build(), "in")
                .setOutputs("conv").build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        graph.initGradientsView();
        ConvolutionHelpers.install(graph);
        return graph.getLayer("conv");
    }

    private static double relError(INDArray a, INDArray reference) {
        return a.sub(reference).norm2Number().doubleValue() / reference.norm2Number().doubleValue();
    }

    private static String key(int threads, Shape s, String route, String what) {
        return threads + "|" + s.key() + "|" + route + "|" + what;
    }

    private static void add(Map<String, List<Double>> samples, String key, double value) {
        samples.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }

    private static double residentMiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        }
        return -1;
    }

    private static String loadAverage() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

    private static Map<String, Object> summary(String model, int batch, int reps, List<Shape> shapes,
                                               Map<String, List<Double>> samples, Map<String, Double> maxRelError,
                                               List<Double> rssMiB, List<String> load) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", model);
        r.put("imageSize", 224);
        r.put("batch", batch);
        r.put("repetitions", reps);
        r.put("cores", Runtime.getRuntime().availableProcessors());
        r.put("nd4j", Nd4jRuntime.describe());
        r.put("loadAverageBeforeAfter", load);
        r.put("residentMiBAfterEachPass", rssMiB);
        List<Map<String, Object>> perThreads = new ArrayList<>();
        for (int threads : THREADS) {
            double peak = BenchResults.median(samples.get("gemm." + threads));
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("threads", threads);
            t.put("gemmPeakGflops", peak);
            t.put("gemmSamples", samples.get("gemm." + threads));
            double peakCpu = BenchResults.median(samples.get("gemmCpu." + threads));
            t.put("gemmGflopsPerCpuSecond", peakCpu);
            List<Map<String, Object>> rows = new ArrayList<>();
            Map<String, double[]> network = new LinkedHashMap<>();
            for (Shape s : shapes) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("shape", s.key());
                row.put("layers", s.layers());
                double macs = s.conv().macsPerExample() * (double) batch;
                row.put("forwardGflop", 2 * macs / 1e9);
                for (String route : ROUTES) {
                    double fwd = BenchResults.median(samples.get(key(threads, s, route, "forward")));
                    double step = BenchResults.median(samples.get(key(threads, s, route, "step")));
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("forwardMs", fwd * 1e3);
                    m.put("stepMs", step * 1e3);
                    m.put("forwardGflops", 2 * macs / fwd / 1e9);
                    m.put("stepGflops", 6 * macs / step / 1e9);
                    m.put("stepShareOfPeak", 6 * macs / step / 1e9 / peak);
                    double stepCpu = BenchResults.median(samples.get(key(threads, s, route, "stepCpu")));
                    m.put("stepCpuSeconds", stepCpu);
                    m.put("stepGflopPerCpuSecond", 6 * macs / stepCpu / 1e9);
                    m.put("stepCpuShareOfPeak", 6 * macs / stepCpu / 1e9 / peakCpu);
                    m.put("stepSamplesMs", samples.get(key(threads, s, route, "step")).stream().map(v -> v * 1e3)
                            .toList());
                    m.put("maxRelErrorVsDl4j", maxRelError.get(route + " " + s.key()));
                    row.put(route, m);
                    double[] acc = network.computeIfAbsent(route, k -> new double[3]);
                    acc[0] += s.layers() * step;
                    acc[1] += s.layers() * 6 * macs;
                    acc[2] += s.layers() * stepCpu;
                }
                rows.add(row);
            }
            t.put("shapes", rows);
            Map<String, Object> whole = new LinkedHashMap<>();
            network.forEach((route, acc) -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("convSecondsPerStep", acc[0]);
                m.put("convGflops", acc[1] / acc[0] / 1e9);
                m.put("convShareOfPeak", acc[1] / acc[0] / 1e9 / peak);
                m.put("convImagesPerSecond", batch / acc[0]);
                m.put("convCpuSecondsPerStep", acc[2]);
                m.put("convGflopPerCpuSecond", acc[1] / acc[2] / 1e9);
                m.put("convCpuShareOfPeak", acc[1] / acc[2] / 1e9 / peakCpu);
                whole.put(route, m);
            });
            t.put("allConvolutions", whole);
            Map<String, Double> cpu = new LinkedHashMap<>();
            for (String route : ROUTES) {
                cpu.put(route, BenchResults.median(samples.get(threads + "|" + route + "|cpu")));
            }
            t.put("cpuSecondsPerWallSecond", cpu);
            perThreads.add(t);
        }
        r.put("results", perThreads);
        return r;
    }

    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> r) {
        StringBuilder md = new StringBuilder();
        md.append("# Convolution routes: DL4J's oneDNN helper, im2col + GEMM, oneDNN with cached primitives\n\n");
        md.append(String.format(Locale.ROOT, "%s convolutions at 224x224, batch %s, one JVM, routes alternating, "
                        + "medians of %s repetitions (each the median of %d timed calls after a warm-up). "
                        + "A training step of a layer is forward + input gradient + weight gradient (3 products). "
                        + "Load average before / after: %s / %s. %s%n%n", r.get("model"), r.get("batch"),
                r.get("repetitions"), TIMED, ((List<String>) r.get("loadAverageBeforeAfter")).get(0),
                ((List<String>) r.get("loadAverageBeforeAfter")).get(1), r.get("nd4j")));
        for (Map<String, Object> t : (List<Map<String, Object>>) r.get("results")) {
            boolean oneThread = ((Integer) t.get("threads")) == 1;
            md.append(String.format(Locale.ROOT, "## %s thread(s): GEMM peak %.1f GFLOP/s wall%s%n%n", t.get("threads"),
                    (Double) t.get("gemmPeakGflops"), oneThread ? String.format(Locale.ROOT,
                            ", %.1f GFLOP per CPU second", (Double) t.get("gemmGflopsPerCpuSecond")) : ""));
            if (oneThread) {
            md.append("Per CPU second of the calling thread (with one thread OpenMP and OpenBLAS run on it; other "
                    + "processes on the machine do not inflate it), training step of each shape: GFLOP per CPU "
                    + "second and share of the GEMM's.\n\n| shape (in -> out) | layers |");
            ROUTES.forEach(route -> md.append(" ").append(route).append(" CPU ms | GFLOP/CPU-s | share |"));
            md.append(" onednn / dl4j |\n|---|---|").append("---|---|---|".repeat(ROUTES.size())).append("---|\n");
            for (Map<String, Object> row : (List<Map<String, Object>>) t.get("shapes")) {
                md.append(String.format(Locale.ROOT, "| %s | %s |", row.get("shape"), row.get("layers")));
                for (String route : ROUTES) {
                    Map<String, Object> m = (Map<String, Object>) row.get(route);
                    md.append(String.format(Locale.ROOT, " %.1f | %.1f | %.0f%% |", 1e3 * (Double) m.get("stepCpuSeconds"),
                            (Double) m.get("stepGflopPerCpuSecond"), 100 * (Double) m.get("stepCpuShareOfPeak")));
                }
                md.append(String.format(Locale.ROOT, " %.2fx |%n",
                        (Double) ((Map<String, Object>) row.get("dl4j")).get("stepCpuSeconds")
                                / (Double) ((Map<String, Object>) row.get("onednn")).get("stepCpuSeconds")));
            }
            md.append("\nAll convolution layers (each shape times its layer count), one training step, per CPU second:\n\n");
            md.append("| route | conv CPU seconds per step | GFLOP per CPU second | share of the GEMM's |\n|---|---|---|---|\n");
            ((Map<String, Map<String, Object>>) t.get("allConvolutions")).forEach((route, m) -> md.append(
                    String.format(Locale.ROOT, "| %s | %.3f | %.1f | %.0f%% |%n", route,
                            (Double) m.get("convCpuSecondsPerStep"), (Double) m.get("convGflopPerCpuSecond"),
                            100 * (Double) m.get("convCpuShareOfPeak"))));
            }
            md.append("\nWall clock (shares above 100% mean the machine's load changed between the GEMM and the "
                    + "layer):\n\n");
            md.append("| shape (in -> out) | layers | GFLOP fwd |");
            for (String route : ROUTES) {
                md.append(" ").append(route).append(" step ms | GFLOP/s | share |");
            }
            md.append(" im2col / dl4j | onednn / dl4j |\n|---|---|---|");
            md.append("---|---|---|".repeat(ROUTES.size())).append("---|---|\n");
            for (Map<String, Object> row : (List<Map<String, Object>>) t.get("shapes")) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %.2f |", row.get("shape"), row.get("layers"),
                        (Double) row.get("forwardGflop")));
                for (String route : ROUTES) {
                    Map<String, Object> m = (Map<String, Object>) row.get(route);
                    md.append(String.format(Locale.ROOT, " %.1f | %.1f | %.0f%% |", (Double) m.get("stepMs"),
                            (Double) m.get("stepGflops"), 100 * (Double) m.get("stepShareOfPeak")));
                }
                double dl4j = (Double) ((Map<String, Object>) row.get("dl4j")).get("stepMs");
                md.append(String.format(Locale.ROOT, " %.2fx | %.2fx |%n",
                        dl4j / (Double) ((Map<String, Object>) row.get("im2col")).get("stepMs"),
                        dl4j / (Double) ((Map<String, Object>) row.get("onednn")).get("stepMs")));
            }
            md.append("\nAll convolution layers, one training step, wall clock:\n\n");
            md.append("| route | conv seconds per step | GFLOP/s | share of GEMM peak | conv-only images/s |\n");
            md.append("|---|---|---|---|---|\n");
            ((Map<String, Map<String, Object>>) t.get("allConvolutions")).forEach((route, m) -> md.append(
                    String.format(Locale.ROOT, "| %s | %.3f | %.1f | %.0f%% | %.1f |%n", route,
                            (Double) m.get("convSecondsPerStep"), (Double) m.get("convGflops"),
                            100 * (Double) m.get("convShareOfPeak"), (Double) m.get("convImagesPerSecond"))));
            md.append("\nCores busy while a route ran (process CPU seconds per wall second, median): ")
                    .append(t.get("cpuSecondsPerWallSecond")).append("\n");
            md.append("\nForward only, ms (GFLOP/s):\n\n| shape |");
            ROUTES.forEach(route -> md.append(" ").append(route).append(" |"));
            md.append("\n|---|").append("---|".repeat(ROUTES.size())).append("\n");
            for (Map<String, Object> row : (List<Map<String, Object>>) t.get("shapes")) {
                md.append("| ").append(row.get("shape")).append(" |");
                for (String route : ROUTES) {
                    Map<String, Object> m = (Map<String, Object>) row.get(route);
                    md.append(String.format(Locale.ROOT, " %.1f (%.0f) |", (Double) m.get("forwardMs"),
                            (Double) m.get("forwardGflops")));
                }
                md.append("\n");
            }
            md.append("\n");
        }
        md.append("Largest relative error (L2) of each route's output and weight gradient against DL4J's, over all "
                + "shapes and passes: ");
        Map<String, Double> worst = new LinkedHashMap<>();
        for (Map<String, Object> t : (List<Map<String, Object>>) r.get("results")) {
            for (Map<String, Object> row : (List<Map<String, Object>>) t.get("shapes")) {
                for (String route : ROUTES) {
                    worst.merge(route, (Double) ((Map<String, Object>) row.get(route)).get("maxRelErrorVsDl4j"),
                            Math::max);
                }
            }
        }
        worst.forEach((route, e) -> md.append(String.format(Locale.ROOT, "%s %.1e; ", route, e)));
        md.append(String.format(Locale.ROOT, "%n%nResident memory after each pass (MiB, after a GC): %s%n",
                ((List<Double>) r.get("residentMiBAfterEachPass")).stream()
                        .map(v -> String.format(Locale.ROOT, "%.0f", v)).toList()));
        return md.toString();
    }
}
