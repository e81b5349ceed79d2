package ai.synergy.bench;

import java.util.List;
import java.util.Map;

/** The Markdown page of {@link RoundOverheadBench}'s results. */
final class RoundOverheadReport {
    private RoundOverheadReport() {
    }

    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> result) {
        StringBuilder md = new StringBuilder("# Round overhead of synchronous averaging, before and after\n\n");
        md.append(String.format("Spark local[2], %s workers x 1 thread, averaging every %s minibatches; %s repetitions, "
                        + "before and after alternating, every run its own JVM; medians over epochs 2.. of each run. "
                        + "Before: revision %s. %s cores.%n%n", result.get("workers"), result.get("averagingFrequency"),
                result.get("repetitions"), result.get("beforeRevision"), result.get("cores")));
        md.append("| workload | tree | images/s | epoch s | compute | data | averaging/broadcast | scheduling | "
                + "averaging + scheduling |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        List<Map<String, Object>> runs = (List<Map<String, Object>>) result.get("runs");
        for (Map<String, Object> run : runs) {
            Map<String, Double> split = (Map<String, Double>) run.get("timeSplit");
            md.append(String.format("| %s | %s | %.1f | %.1f | %.1f%% | %.1f%% | %.1f%% | %.1f%% | **%.1f%%** |%n",
                    name(run), run.get("tree"), (Double) run.get("imagesPerSecond"), (Double) run.get("epochSeconds"),
                    100 * split.get("compute"), 100 * split.get("data"), 100 * split.get("averaging"),
                    100 * split.get("scheduling"), 100 * (split.get("averaging") + split.get("scheduling"))));
        }
        md.append("\nPGD-").append(result.get("pgdSteps")).append(" epoch / natural epoch (same model, data and "
                + "settings; a PGD-k epoch does k+1 forward-backward passes per image):\n\n| tree | ratio | k+1 |\n"
                + "| --- | --- | --- |\n");
        for (String tree : List.of("before", "after")) {
            Double natural = epochSeconds(runs, "resnet20", tree);
            Double pgd = epochSeconds(runs, "resnet20-pgd" + result.get("pgdSteps"), tree);
            if (natural != null && pgd != null) {
                md.append(String.format("| %s | %.2f | %d |%n", tree, pgd / natural,
                        ((Number) result.get("pgdSteps")).intValue() + 1));
            }
        }
        md.append("\nLoad average (1, 5, 15 min) before -> after each run:\n\n");
        for (String load : (List<String>) result.get("loadAverages")) {
            md.append("- ").append(load).append('\n');
        }
        return md.toString();
    }

    @SuppressWarnings("unchecked")
    private static String name(Map<String, Object> run) {
        Object w = run.get("workload");
        return w instanceof RoundOverheadBench.Workload workload ? workload.name()
                : String.valueOf(((Map<String, Object>) w).get("name"));
    }

    private static Double epochSeconds(List<Map<String, Object>> runs, String workload, String tree) {
        return runs.stream().filter(r -> name(r).equals(workload) && tree.equals(r.get("tree")))
                .map(r -> (Double) r.get("epochSeconds")).findFirst().orElse(null);
    }
}
