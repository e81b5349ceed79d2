package ai.synergy.bench;

import ai.synergy.config.Json;
import ai.synergy.dataset.DataSpec;
import ai.synergy.run.RunFolder;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.commons.io.FileUtils;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark (not a test) of the per-round overhead of synchronous parameter averaging, before and after a change, side
 * by side in one run: the same {@code synergy train} runs on Spark {@code local[2]} from two checkouts (the "before"
 * tree, built by {@code bench/round-overhead.sh} from a given revision, and this one), alternating, every run its own
 * JVM. Per run: images/s and the epoch time split (compute, data, averaging/broadcast, scheduling) from
 * {@code timings.jsonl}, medians over epochs 2.. ; the machine's load average before and after. Workloads: ResNet-20
 * at 32x32 (batch 64), ResNet-18 at a reduced 96x96 (batch 8: ResNet-18's 11.2M parameters and their momentum, 90 MB,
 * averaged every round, against less than a fifth of the compute at 224, so the overhead's share is larger), and
 * PGD-k adversarial training of ResNet-20 against natural training (a PGD-k epoch costs about k+1 natural ones).
 *
 * <p>Usage: {@code bench/round-overhead.sh [repetitions] [before revision]}; writes
 * {@code bench/results/round-overhead.{json,md}}.
 */
public final class RoundOverheadBench {
    private static final Duration CHILD_TIMEOUT = Duration.ofMinutes(15);
    private static final int WORKERS = 2;
    private static final int AVERAGING = 5;
    private static final int PGD_STEPS = 3;
    static final List<String> PARTS = List.of("compute", "data", "averaging", "scheduling");

    /**
     * One training setting.
     *
     * @param name       key in the results
     * @param model      model name
     * @param imageSize  training input size
     * @param shortSide  short side of the prepared shards
     * @param batch      minibatch per worker
     * @param trainLimit training images per epoch
     * @param epochs     epochs (the first is a warm-up)
     * @param extra      further {@code train} options
     */
    record Workload(String name, String model, int imageSize, int shortSide, int batch, int trainLimit, int epochs,
                    List<String> extra) {
    }

    static final List<Workload> WORKLOADS = List.of(
            new Workload("resnet20", "resnet20", 32, 36, 64, 1280, 3, List.of()),
            new Workload("resnet18-96", "resnet18", 96, 110, 8, 320, 3, List.of()),
            new Workload("resnet20-pgd" + PGD_STEPS, "resnet20", 32, 36, 64, 1280, 2, List.of("--adversarial", "pgd",
                    "--eps", "0.03", "--step", "0.01", "--steps", String.valueOf(PGD_STEPS))));

    private final Path work;
    private final Map<String, Path> trees;
    private final Map<String, List<Double>> rates = new LinkedHashMap<>();
    private final Map<String, List<JsonNode>> splits = new LinkedHashMap<>();
    private final List<String> loads = new ArrayList<>();

    private RoundOverheadBench(Path work, Map<String, Path> trees) {
        this.work = work;
        this.trees = trees;
    }

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        Path work = Path.of(args.length > 1 ? args[1] : "/tmp/synergy-round-overhead").toAbsolutePath();
        Path outDir = Path.of(args.length > 2 ? args[2] : "bench/results");
        Path root = Path.of(System.getProperty("synergy.bench.root", ".")).toAbsolutePath();
        Path before = Path.of(System.getProperty("synergy.bench.before")).toAbsolutePath();
        String only = System.getProperty("synergy.bench.only", "");
        Map<String, Path> trees = new LinkedHashMap<>();
        trees.put("before", before);
        trees.put("after", root);
        RoundOverheadBench bench = new RoundOverheadBench(work, trees);
        bench.prepareData(root);
        List<Workload> workloads = WORKLOADS.stream().filter(w -> only.isEmpty() || only.contains(w.name())).toList();
        for (int rep = 0; rep < reps; rep++) {
            for (Workload w : workloads) {
                // alternate which tree goes first, so neither always meets the machine in the same state
                List<String> order = rep % 2 == 0 ? List.of("before", "after") : List.of("after", "before");
                for (String tree : order) {
                    bench.train(w, tree);
                }
            }
            System.out.printf("repetition %d of %d done: %s%n", rep + 1, reps, bench.rates);
        }
        Map<String, Object> result = bench.summary(reps, workloads, System.getProperty("synergy.bench.beforeRevision",
                "?"));
        BenchResults.write(outDir.resolve("round-overhead.json"), Json.write(result));
        String md = RoundOverheadReport.markdown(result);
        BenchResults.write(outDir.resolve("round-overhead.md"), md);
        System.out.println(md);
    }

    /** Fashion-MNIST (first 1,280 training and 200 validation images) in the ILSVRC layout, 2 shards per size. */
    private void prepareData(Path root) throws IOException, InterruptedException {
        Path ilsvrc = work.resolve("ilsvrc");
        if (!Files.exists(ilsvrc.resolve("train"))) {
            run(root, "convert", List.of("convert", "--input", DataSpec.FASHION_MNIST_DIR, "--output",
                    ilsvrc.toString(), "--train-limit", "1280", "--val-limit", "200"));
        }
        for (Workload w : WORKLOADS) {
            Path shards = shards(w);
            if (!Files.exists(shards.resolve("manifest.json"))) {
                run(root, "prepare-" + w.shortSide(), List.of("prepare", "--input", ilsvrc.toString(), "--output",
                        shards.toString(), "--shards", String.valueOf(WORKERS), "--short-side",
                        String.valueOf(w.shortSide())));
            }
        }
    }

    private Path shards(Workload w) {
        return work.resolve("shards-" + w.shortSide());
    }

    /** {@code synergy train} of {@code tree} on Spark local[2]; records images/s and time split of epochs 2.. . */
    private void train(Workload w, String tree) throws IOException, InterruptedException {
        Path out = work.resolve("run-" + w.name() + "-" + tree);
        FileUtils.deleteDirectory(out.toFile());
        List<String> args = new ArrayList<>(List.of("train", "--data", "imagenet:" + shards(w), "--image-size",
                String.valueOf(w.imageSize()), "--model", w.model(), "--workers", String.valueOf(WORKERS),
                "--batch-size", String.valueOf(w.batch()), "--averaging-frequency", String.valueOf(AVERAGING),
                "--epochs", String.valueOf(w.epochs()), "--train-limit", String.valueOf(w.trainLimit()),
                "--test-limit", "64", "--eval-batch-size", "32", "--keep-checkpoints", "1", "--out",
                out.toString()));
        args.addAll(w.extra());
        String load = Files.readString(Path.of("/proc/loadavg")).trim();
        run(trees.get(tree), "train-" + w.name() + "-" + tree, args);
        loads.add(w.name() + " " + tree + ": " + load + " -> " + Files.readString(Path.of("/proc/loadavg")).trim());
        String key = w.name() + "." + tree;
        for (String line : Files.readAllLines(out.resolve(RunFolder.METRICS))) {
            JsonNode m = Json.readTree(line, RunFolder.METRICS);
            if (m.path("epoch").asInt() > 1) {
                rates.computeIfAbsent(key, k -> new ArrayList<>()).add(m.path("imagesPerSecond").asDouble());
            }
        }
        for (String line : Files.readAllLines(out.resolve(RunFolder.TIME_SPLIT))) {
            JsonNode t = Json.readTree(line, RunFolder.TIME_SPLIT);
            if (t.path("epoch").asInt() > 1) {
                splits.computeIfAbsent(key, k -> new ArrayList<>()).add(t);
            }
        }
        FileUtils.deleteDirectory(out.toFile());
    }

    /** Runs {@code <tree>/bin/synergy args} as a child process (local[2], 6 GB heap). */
    private void run(Path tree, String name, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(tree.resolve("bin/synergy").toString());
        command.addAll(args);
        ChildProcess.start(work.resolve("logs"), name, command, Map.of("SYNERGY_JAVA_OPTS", "-Xmx6g"))
                .await(CHILD_TIMEOUT);
    }

    private Map<String, Object> summary(int reps, List<Workload> workloads, String beforeRevision) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("repetitions", reps);
        r.put("cores", Runtime.getRuntime().availableProcessors());
        r.put("workers", WORKERS);
        r.put("averagingFrequency", AVERAGING);
        r.put("beforeRevision", beforeRevision);
        r.put("pgdSteps", PGD_STEPS);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Workload w : workloads) {
            for (String tree : trees.keySet()) {
                String key = w.name() + "." + tree;
                if (!rates.containsKey(key)) {
                    continue;
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("workload", w);
                row.put("tree", tree);
                row.put("imagesPerSecond", BenchResults.median(rates.get(key)));
                row.put("imagesPerSecondSamples", rates.get(key));
                List<JsonNode> s = splits.getOrDefault(key, List.of());
                row.put("epochSeconds", BenchResults.median(s.stream().map(t -> t.path("wallSeconds").asDouble())
                        .toList()));
                Map<String, Double> parts = new LinkedHashMap<>();
                for (String part : PARTS) {
                    parts.put(part, BenchResults.median(s.stream().map(t -> t.path(part + "Seconds").asDouble()
                            / t.path("wallSeconds").asDouble()).toList()));
                }
                row.put("timeSplit", parts);
                rows.add(row);
            }
        }
        r.put("runs", rows);
        r.put("loadAverages", loads);
        return r;
    }
}
