package ai.synergy.bench;

import ai.synergy.cluster.LoopbackCluster;
import ai.synergy.config.Json;
import ai.synergy.dataset.DataSpec;
import ai.synergy.jobs.TrainJob;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.spark.ComputeThreads;
import ai.synergy.spark.ExecutorSetup;
import ai.synergy.spark.SparkContexts;
import ai.synergy.training.NetworkPool;
import ai.synergy.training.TrainConfig;
import org.apache.commons.io.FileUtils;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Benchmark (not a test) of executor memory over a long run: a small ResNet trained for many epochs on a loopback
 * cluster (2 workers, one executor JVM each), the resident set size (VmRSS, heap + ND4J off-heap + native) of every
 * executor sampled each second and recorded at the end of every epoch. ND4J memory "levels off" when the second half
 * of the run peaks no higher than the first half (ratio reported) and the per-epoch slope over the last half is near
 * zero. Writes {@code executor-memory.{json,md}}.
 *
 * <p>Usage: {@code bench/executor-memory.sh [epochs=20] [train images=6000] [model=resnet20]}; {@code -Dsynergy.bench.mallocArenaMax=N}
 * (in SYNERGY_JAVA_OPTS) caps glibc malloc arenas in the executors and writes {@code executor-memory-arenasN.*}.
 */
public final class ExecutorMemoryBench {
    private static final Pattern VM_RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");

    private ExecutorMemoryBench() {
    }

    public static void main(String[] args) throws Exception {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int trainImages = args.length > 1 ? Integer.parseInt(args[1]) : 6000;
        String model = args.length > 2 ? args[2] : "resnet20";
        Path outDir = Path.of(args.length > 3 ? args[3] : "bench/results");
        Path work = Path.of(args.length > 4 ? args[4] : "/tmp/synergy-memory-bench");
        FileUtils.deleteDirectory(work.toFile());
        DataSpec data = DataSpec.fashionMnist(null, trainImages, 2000);
        TrainConfig config = TrainConfig.builder().data(data).model(model).learningRate(0.1)
                .schedule(LearningRateSchedule.Type.COSINE).epochs(epochs).seed(7).build();
        String executorHeap = "1g";
        String arenas = System.getProperty("synergy.bench.mallocArenaMax", "");
        String executorOffHeap = "2g";
        Path out = work.resolve("run");
        Map<Integer, Map<Long, Long>> rssAtEpochEnd = new ConcurrentHashMap<>();
        Map<Long, Long> peak = new ConcurrentHashMap<>();
        Map<Integer, Map<String, long[]>> probesAtEpochEnd = new ConcurrentHashMap<>();
        List<EpochMetrics> metrics;
        try (LoopbackCluster cluster = LoopbackCluster.start(new LoopbackCluster.Options(2, 1, "2g",
                work.resolve("cluster"), LoopbackCluster.currentClasspath(), Map.of(), Duration.ofSeconds(120)))) {
            // one core per executor, so one training task per executor JVM
            JavaSparkContext jsc = SparkContexts.start(SparkContexts.withDefaults(
                    benchConf(cluster, executorHeap, executorOffHeap, arenas), 2));
            Thread sampler = new Thread(() -> sample(jsc, cluster, out, epochs, rssAtEpochEnd, probesAtEpochEnd,
                    peak), "rss-sampler");
            sampler.setDaemon(true);
            sampler.start();
            try {
                metrics = new TrainJob(jsc, config, new TrainJob.RunOptions(out.toString(), false, 0),
                        new PrintStream(new ByteArrayOutputStream())).run().metrics();
            } finally {
                // the last epoch's checkpoint is written before run() returns: let the sampler record it (it stops by
                // itself once every epoch is recorded) while the executors are still up, then stop it
                try {
                    sampler.join(30_000);
                } finally {
                    sampler.interrupt();
                    jsc.stop();
                }
            }
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            Map<Long, Long> byPid = rssAtEpochEnd.getOrDefault(epoch, Map.of());
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("epoch", epoch);
            row.put("executorRssMiB", byPid.values().stream().map(kb -> kb / 1024).toList());
            Map<String, long[]> probes = probesAtEpochEnd.getOrDefault(epoch, Map.of());
            row.put("heapUsedMiB", probes.values().stream().map(p -> p[0] >> 20).toList());
            row.put("heapCommittedMiB", probes.values().stream().map(p -> p[1] >> 20).toList());
            row.put("networksBuilt", probes.values().stream().map(p -> p[2]).toList());
            row.put("computeThreadsStarted", probes.values().stream().map(p -> p[3]).toList());
            row.put("testTop1", metrics.get(epoch - 1).testTop1());
            rows.add(row);
        }
        double firstHalf = maxRss(rssAtEpochEnd, 1, epochs / 2);
        double secondHalf = maxRss(rssAtEpochEnd, epochs / 2 + 1, epochs);
        double slope = slopeMiBPerEpoch(rssAtEpochEnd, epochs / 2 + 1, epochs);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", model + " (1x28x28), fashion-mnist first " + trainImages + " training images");
        result.put("cluster", "loopback standalone: 2 workers x 1 core, executor heap " + executorHeap
                + ", ND4J maxbytes " + executorOffHeap);
        result.put("epochs", epochs);
        result.put("gcWindow", System.getProperty("synergy.bench.gcWindowMs",
                ExecutorSetup.DEFAULT_GC_WINDOW_MS + "") + " ms");
        result.put("mallocArenaMax", arenas.isEmpty() ? "glibc default (8 x cores)" : "MALLOC_ARENA_MAX=" + arenas);
        result.put("perEpoch", rows);
        result.put("peakRssMiBPerExecutor", peak.values().stream().map(kb -> kb / 1024).toList());
        result.put("maxRssFirstHalfMiB", firstHalf);
        result.put("maxRssSecondHalfMiB", secondHalf);
        result.put("secondOverFirstHalf", secondHalf / firstHalf);
        result.put("slopeSecondHalfMiBPerEpoch", slope);
        String name = "executor-memory" + (arenas.isEmpty() ? "" : "-arenas" + arenas)
                + (System.getProperty("synergy.bench.gcWindowMs") == null ? ""
                : "-gc" + System.getProperty("synergy.bench.gcWindowMs"));
        BenchResults.write(outDir.resolve(name + ".json"), Json.write(result));
        String md = markdown(result, rows);
        BenchResults.write(outDir.resolve(name + ".md"), md);
        System.out.println(md);
    }

    /** The application's settings: the cluster's, plus the arena cap and GC window asked for by system property. */
    private static SparkConf benchConf(LoopbackCluster cluster, String heap, String offHeap,
                                                        String arenas) {
        SparkConf conf = cluster.applicationConf("executor-memory-bench", heap, offHeap);
        if (!arenas.isEmpty()) {
            conf.setExecutorEnv("MALLOC_ARENA_MAX", arenas);
        }
        String window = System.getProperty("synergy.bench.gcWindowMs");
        if (window != null) {
            conf.set(ExecutorSetup.GC_WINDOW_KEY, window);
        }
        return conf;
    }

    /**
     * Samples every second; when checkpoint epoch-N appears, records each executor's RSS (the last sample taken
     * while the executors were up) and, from a small Spark job on the executors, the Java heap, the training
     * networks built and the compute threads started, as epoch N's.
     */
    private static void sample(JavaSparkContext jsc, LoopbackCluster cluster, Path out, int epochs,
                               Map<Integer, Map<Long, Long>> atEnd, Map<Integer, Map<String, long[]>> probes,
                               Map<Long, Long> peak) {
        int recorded = 0;
        Map<Long, Long> last = Map.of();
        while (!Thread.currentThread().isInterrupted() && recorded < epochs) {
            Map<Long, Long> now = new LinkedHashMap<>();
            for (ProcessHandle executor : cluster.executors()) {
                long kb = rssKb(executor.pid());
                if (kb > 0) {
                    now.put(executor.pid(), kb);
                    peak.merge(executor.pid(), kb, Math::max);
                }
            }
            if (!now.isEmpty()) {
                last = now;
            }
            int done = newestCheckpoint(out);
            if (recorded < done) {
                Map<String, long[]> probe = probe(jsc);
                while (recorded < done) {
                    recorded++;
                    atEnd.put(recorded, last);
                    probes.put(recorded, probe);
                }
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Used and committed heap bytes, training networks built and compute threads started of every executor, by
     * executor id (empty if the job fails).
     */
    private static Map<String, long[]> probe(JavaSparkContext jsc) {
        try {
            Map<String, long[]> byExecutor = new TreeMap<>();
            jsc.parallelize(IntStream.range(0, 8).boxed().toList(), 8)
                    .mapPartitions(ignored -> {
                        Runtime runtime = Runtime.getRuntime();
                        long executor = Long.parseLong(SparkEnv.get().executorId());
                        return List.of(new long[]{executor, runtime.totalMemory() - runtime.freeMemory(),
                                runtime.totalMemory(), NetworkPool.built(), ComputeThreads.threadsStarted()})
                                .iterator();
                    })
                    .collect()
                    .forEach(p -> byExecutor.put(Long.toString(p[0]), new long[]{p[1], p[2], p[3], p[4]}));
            return byExecutor;
        } catch (RuntimeException e) {
            return Map.of();
        }
    }

    private static int newestCheckpoint(Path out) {
        Path checkpoints = out.resolve("checkpoints");
        if (!Files.isDirectory(checkpoints)) {
            return 0;
        }
        try (Stream<Path> entries = Files.list(checkpoints)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.matches("epoch-\\d+"))
                    .mapToInt(n -> Integer.parseInt(n.substring(6))).max().orElse(0);
        } catch (IOException e) {
            return 0;
        }
    }

    private static long rssKb(long pid) {
        try {
            Matcher m = VM_RSS.matcher(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private static double maxRss(Map<Integer, Map<Long, Long>> atEnd, int from, int to) {
        double max = 0;
        for (int e = from; e <= to; e++) {
            for (long kb : atEnd.getOrDefault(e, Map.of()).values()) {
                max = Math.max(max, kb / 1024.0);
            }
        }
        return max;
    }

    /** Least-squares slope of the executors' mean RSS against the epoch, over epochs from..to. */
    private static double slopeMiBPerEpoch(Map<Integer, Map<Long, Long>> atEnd, int from, int to) {
        List<double[]> points = new ArrayList<>();
        for (int e = from; e <= to; e++) {
            Map<Long, Long> byPid = atEnd.get(e);
            if (byPid != null && !byPid.isEmpty()) {
                points.add(new double[]{e, byPid.values().stream().mapToLong(Long::longValue).average().orElse(0)
                        / 1024.0});
            }
        }
        double mx = points.stream().mapToDouble(p -> p[0]).average().orElse(0);
        double my = points.stream().mapToDouble(p -> p[1]).average().orElse(0);
        double sxy = points.stream().mapToDouble(p -> (p[0] - mx) * (p[1] - my)).sum();
        double sxx = points.stream().mapToDouble(p -> (p[0] - mx) * (p[0] - mx)).sum();
        return sxx == 0 ? Double.NaN : sxy / sxx;
    }

    private static String markdown(Map<String, Object> r, List<Map<String, Object>> rows) {
        StringBuilder table = new StringBuilder();
        for (Map<String, Object> row : rows) {
            table.append(String.format("| %s | %s | %s | %s | %s | %s | %.4f |%n", row.get("epoch"),
                    row.get("executorRssMiB"), row.get("heapUsedMiB"), row.get("heapCommittedMiB"),
                    row.get("networksBuilt"), row.get("computeThreadsStarted"), (Double) row.get("testTop1")));
        }
        return String.format("""
                # Executor memory over %s epochs

                %s; %s. Resident set size (heap + ND4J off-heap + native) of each executor JVM at the end of every
                epoch, sampled from /proc once a second, and the Java heap of each executor from a small Spark job run
                after each epoch (ND4J's CPU allocations are not visible to its own tracker or to JavaCPP's counters, so
                RSS minus committed heap is the off-heap). glibc malloc arenas: %s; executor GC window: %s.

                - max RSS, epochs 1-%d: %.0f MiB; epochs %d-%d: %.0f MiB; ratio **%.3f**
                - slope of mean RSS over the second half: **%.1f MiB/epoch**
                - peak RSS per executor: %s MiB

                | epoch | executor RSS (MiB) | heap used (MiB) | heap committed (MiB) | networks built \
                | compute threads started | test top-1 |
                | --- | --- | --- | --- | --- | --- | --- |
                %s""", r.get("epochs"), r.get("model"), r.get("cluster"), r.get("mallocArenaMax"), r.get("gcWindow"),
                (int) r.get("epochs") / 2,
                (Double) r.get("maxRssFirstHalfMiB"), (int) r.get("epochs") / 2 + 1, r.get("epochs"),
                (Double) r.get("maxRssSecondHalfMiB"), (Double) r.get("secondOverFirstHalf"),
                (Double) r.get("slopeSecondHalfMiBPerEpoch"), r.get("peakRssMiBPerExecutor"), table);
    }
}
