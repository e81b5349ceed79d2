package ai.synergy.bench;

import ai.synergy.config.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/** Renders {@link ThroughputBench}'s result as Markdown: images/s, ratios, share of the GEMM peak, time splits. */
final class ThroughputReport {
    /** The runs of each model, in table order (keys of the result's {@code imagesPerSecond}). */
    static final List<String> RUNS = List.of("single", "single-convdl4j", "single1", "single1-convdl4j",
            "single-bndl4j", "local2", "local2-convdl4j", "local2-g1", "cluster", "cluster-sparkexchange", "pytorch",
            "pytorch1x2");
    private ThroughputReport() {
    }

    static String markdown(Map<String, Object> result) {
        JsonNode r = Json.readTree(Json.write(result), "throughput result");
        StringBuilder md = new StringBuilder();
        md.append("# Training throughput: DL4J single JVM, Spark local[2], loopback cluster, PyTorch (DJL)\n\n");
        md.append(String.format("Measured alternately in one run, medians of %d repetitions, %d cores, %d workers, "
                        + "averaging frequency %d. Every measurement is its own JVM. ND4J: %s%n%n",
                r.path("repetitions").asInt(), r.path("cores").asInt(), r.path("workers").asInt(),
                r.path("averagingFrequency").asInt(), r.path("nd4j").asText()));
        double gemm = r.path("gemmPeakGflops").asDouble();
        md.append(String.format("ND4J float GEMM peak (1024^3): **%.1f GFLOP/s** (samples %s)%n%n", gemm,
                r.path("gemmSamples")));
        for (JsonNode m : r.path("models")) {
            JsonNode w = m.path("workload");
            JsonNode ips = m.path("imagesPerSecond");
            md.append(String.format("## %s, %dx%d, batch %d per fit%n%n", w.path("model").asText(),
                    m.path("imageSize").asInt(), m.path("imageSize").asInt(),
                    w.path("batch").asInt()));
            md.append(String.format("Training: %.3f GFLOP per image (3 x forward, 2 FLOPs per multiply-add).%n%n",
                    m.path("trainGflopPerImage").asDouble()));
            md.append("| run | images/s | GFLOP/s | share of GEMM peak | samples |\n| --- | --- | --- | --- | --- |\n");
            for (String where : RUNS) {
                if (ips.has(where)) {
                    double v = ips.path(where).asDouble();
                    md.append(String.format("| %s | %.1f | %.1f | %.0f%% | %s |%n", label(where), v,
                            v * m.path("trainGflopPerImage").asDouble(), 100 * m.path("fractionOfGemmPeak")
                                    .path(where).asDouble(), m.path("samples").path(where)));
                }
            }
            md.append('\n');
            if (m.has("anchorFailure")) {
                md.append("The PyTorch anchor crashed on this model: ").append(m.path("anchorFailure").asText())
                        .append("\n\n");
            }
            md.append("| ratio | value |\n| --- | --- |\n");
            ratio(md, ips, "local2", "single", "Spark local[2] / single JVM (target >= 0.9)");
            ratio(md, ips, "single", "single1", "single JVM 2 threads / 1 thread");
            ratio(md, ips, "single", "single-bndl4j", "single JVM, channel batch norm / DL4J's oneDNN batch norm");
            ratio(md, ips, "single", "single-convdl4j", "single JVM 2 threads, our oneDNN convolutions / DL4J's");
            ratio(md, ips, "single1", "single1-convdl4j", "single JVM 1 thread, our oneDNN convolutions / DL4J's");
            ratio(md, ips, "local2", "local2-convdl4j", "Spark local[2], our oneDNN convolutions / DL4J's");
            ratio(md, ips, "local2", "local2-g1", "Spark local[2], parallel collector / G1");
            ratio(md, ips, "cluster", "single", "loopback cluster / single JVM");
            ratio(md, ips, "cluster", "cluster-sparkexchange",
                    "loopback cluster, arrays through the driver's round server / through Spark");
            ratio(md, ips, "single", "pytorch", "DL4J single JVM / PyTorch (target >= 0.7)");
            ratio(md, ips, "local2", "pytorch", "Spark local[2] / PyTorch");
            ratio(md, ips, "local2", "pytorch1x2",
                    "Spark local[2] / PyTorch one thread per worker, 2 processes (target >= 0.8, aim 1.0)");
            md.append('\n');
            JsonNode splits = m.path("timeSplit");
            if (splits.size() > 0) {
                md.append("Epoch time split (medians over epochs 2.. of each run):\n\n");
                md.append("| run | compute | data | averaging/broadcast | scheduling |\n| --- | --- | --- | --- | --- |\n");
                splits.fields().forEachRemaining(e -> md.append(String.format("| %s | %.1f%% | %.1f%% | %.1f%% | "
                                + "%.1f%% |%n", label(e.getKey()), 100 * e.getValue().path("compute").asDouble(),
                        100 * e.getValue().path("data").asDouble(), 100 * e.getValue().path("averaging").asDouble(),
                        100 * e.getValue().path("scheduling").asDouble())));
                md.append('\n');
            }
        }
        return md.toString();
    }

    private static void ratio(StringBuilder md, JsonNode ips, String a, String b, String label) {
        if (ips.has(a) && ips.has(b)) {
            md.append(String.format("| %s | **%.3f** |%n", label, ips.path(a).asDouble() / ips.path(b).asDouble()));
        }
    }

    private static String label(String where) {
        return switch (where) {
            case "single" -> "DL4J `fit`, single JVM, 2 threads";
            case "single1" -> "DL4J `fit`, single JVM, 1 thread";
            case "single-bndl4j" -> "DL4J `fit`, single JVM, 2 threads, before: DL4J's oneDNN batch norm";
            case "single-convdl4j" -> "DL4J `fit`, single JVM, 2 threads, before: DL4J's oneDNN convolutions";
            case "single1-convdl4j" -> "DL4J `fit`, single JVM, 1 thread, before: DL4J's oneDNN convolutions";
            case "local2-convdl4j" -> "`synergy train`, Spark local[2], before: DL4J's oneDNN convolutions";
            case "local2" -> "`synergy train`, Spark local[2], 2 workers x 1 thread";
            case "local2-g1" -> "`synergy train`, Spark local[2], before: the G1 collector";
            case "cluster" -> "`synergy train`, loopback cluster, 2 executor JVMs x 1 core";
            case "cluster-sparkexchange" -> "`synergy train`, loopback cluster, before: arrays through Spark's "
                    + "broadcast and task results";
            case "pytorch" -> "PyTorch via DJL, single JVM, 2 threads";
            case "pytorch1x2" -> "PyTorch via DJL, 2 single-thread JVMs side by side (images/s summed)";
            default -> where;
        };
    }
}
