package ai.synergy.bench;

import ai.synergy.adversarial.Pgd;
import ai.synergy.config.Json;
import ai.synergy.dataset.DataSpec;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.nd4j.Nd4jRuntime;
import ai.synergy.pruning.AdmmConfig;
import ai.synergy.pruning.PruningRatios;
import ai.synergy.pruning.PruningScheme;
import ai.synergy.run.RunFolder;
import ai.synergy.spark.SparkContexts;
import ai.synergy.training.AdversarialTraining;
import ai.synergy.training.CheckpointState;
import ai.synergy.training.PruningConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.api.java.JavaSparkContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark (not a test) of the robust-pruning papers' second hypothesis (Ye et al., arXiv:1903.12561: a large robust
 * model pruned with ADMM keeps more natural and robust accuracy than a small dense model of the same size trained
 * robustly from scratch), given the schedule {@link RobustPruningBench}'s short run did not: the full Fashion-MNIST
 * training set, ADMM with rho starting where the proximal pull matters and growing every epoch to where W and its
 * sparse projection Z meet (the relative residual ||W - Z|| / ||W|| after every ADMM epoch is reported), then masked
 * retraining. Three rows, all PGD-trained and evaluated under PGD-20 (eps 0.1) on the executors: (b) dense ResNet-8,
 * (c90) (b) + ADMM irregular 90% + retraining, (e) a narrower ResNet-8 with about (c90)'s nonzero parameters trained
 * for as many epochs as (b) and (c90) together. Writes {@code pruning-hypothesis.{json,md}}; resumable with
 * {@code -Dsynergy.bench.reuse=true} like {@link RobustPruningBench}.
 *
 * <p>Usage: {@code bench/pruning-hypothesis.sh [train images] [test images] [dense epochs] [admm epochs]
 * [retrain epochs] [training PGD steps] [rho0] [rho growth per epoch] [pruning stages' learning rate]}.
 */
public final class PruningHypothesisBench {
    private PruningHypothesisBench() {
    }

    /** One epoch of the pruned row: its stage, the rho it trained with, and where W stood after it. */
    record PrunedEpoch(int epoch, String stage, Double rho, Double admmResidual, double sparsity, double trainLoss,
                       double naturalTop1) {
    }

    public static void main(String[] args) throws Exception {
        int trainImages = args.length > 0 ? Integer.parseInt(args[0]) : 60000;
        int testImages = args.length > 1 ? Integer.parseInt(args[1]) : 10000;
        int denseEpochs = args.length > 2 ? Integer.parseInt(args[2]) : 6;
        int admmEpochs = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        int retrainEpochs = args.length > 4 ? Integer.parseInt(args[4]) : 4;
        int trainSteps = args.length > 5 ? Integer.parseInt(args[5]) : 2;
        double rho0 = args.length > 6 ? Double.parseDouble(args[6]) : 1e-2;
        double rhoGrowth = args.length > 7 ? Double.parseDouble(args[7]) : 3;
        double pruneLearningRate = args.length > 8 ? Double.parseDouble(args[8]) : 0.01;
        Path outDir = Path.of(args.length > 9 ? args[9] : "bench/results");
        Path work = Path.of(args.length > 10 ? args[10] : "/tmp/synergy-pruning-hypothesis-bench");
        Nd4jRuntime.enableLayerHelpers();
        if (!Boolean.getBoolean("synergy.bench.reuse")) {
            org.apache.commons.io.FileUtils.deleteDirectory(work.toFile());
        }

        DataSpec data = DataSpec.fashionMnist(null, trainImages, testImages);
        double eps = RobustPruningBench.EPS;
        Pgd trainAttack = new Pgd(eps, 2.5 * eps / trainSteps, trainSteps, true);
        Pgd evalAttack = new Pgd(eps, 0.01, 20, true);
        AdversarialTraining pgd = new AdversarialTraining(trainAttack, 1);
        PruningConfig admm = PruningConfig.admm(PruningRatios.uniform(0.9)).withScheme(PruningScheme.IRREGULAR)
                .withAdmm(new AdmmConfig(rho0, rhoGrowth)).withEpochs(admmEpochs, 1, retrainEpochs);
        RobustPruningBench.Bench bench = new RobustPruningBench.Bench(data, work, evalAttack);
        List<RobustPruningBench.Row> rows = new ArrayList<>();
        try (JavaSparkContext jsc = SparkContexts.start("synergy-bench-pruning-hypothesis", 2)) {
            bench.jsc = jsc;
            RobustPruningBench.Row dense = bench.run("b", "dense, PGD training", 1, pgd, PruningConfig.none(),
                    denseEpochs, null);
            rows.add(dense);
            // fine-tuning a trained model: each pruning stage's cosine starts at the lower rate (robust-compress's
            // --prune-lr default); restarting at 0.1 threw the ADMM stage's natural accuracy from 81% to 46%
            rows.add(bench.run("c90", "(b) + ADMM irregular 90% under PGD, then masked retraining", 1, pgd, admm, 0,
                    work.resolve("b").resolve(RunFolder.MODEL).toString(), pruneLearningRate));
            double width = RobustPruningBench.widthWithParameters(data, rows.get(1).nonzeroParameters());
            rows.add(bench.run("e", String.format("small dense (width %.4g), PGD from scratch", width), width, pgd,
                    PruningConfig.none(), denseEpochs + admmEpochs + retrainEpochs, null));
        }
        List<PrunedEpoch> epochs = prunedEpochs(work.resolve("c90"), rho0, rhoGrowth);

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", "CIFAR-family resnet8 (1x28x28, 10 classes)");
        result.put("data", "fashion-mnist, " + (trainImages >= 60000 ? "all 60000" : "first " + trainImages)
                + " training and first " + testImages + " test images");
        result.put("recipe", "2 workers, batch 64, averaging 5, Nesterov 0.9, wd 1e-4; cosine lr from 0.1 for b and e, from "
                + pruneLearningRate + " in each of c90's stages");
        result.put("trainingAttack", trainAttack);
        result.put("evaluationAttack", evalAttack);
        result.put("epochs", Map.of("dense", denseEpochs, "admm", admmEpochs, "retrain", retrainEpochs));
        result.put("admm", Map.of("rho0", rho0, "rhoGrowthPerEpoch", rhoGrowth, "interval", 1));
        result.put("rows", rows);
        result.put("prunedEpochs", epochs);
        result.put("loadAverage", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage());
        String md = markdown(result, rows, epochs, testImages, previousRun(outDir.resolve("robust-pruning.json")));
        BenchResults.write(outDir.resolve("pruning-hypothesis.json"), Json.write(result));
        BenchResults.write(outDir.resolve("pruning-hypothesis.md"), md);
        System.out.println(md);
    }

    /** The pruned run's epochs from its saved metrics; rho is the value the epoch trained with (ADMM epochs). */
    private static List<PrunedEpoch> prunedEpochs(Path run, double rho0, double rhoGrowth) throws Exception {
        List<EpochMetrics> metrics = Json.read(Files.readString(run.resolve(RunFolder.MODEL_PROVENANCE)),
                CheckpointState.class, RunFolder.MODEL_PROVENANCE).metrics();
        List<PrunedEpoch> out = new ArrayList<>();
        int admmEpoch = 0;
        for (EpochMetrics m : metrics) {
            String stage = m.pruning().stage();
            Double rho = null;
            if (m.pruning().admmResidual() != null) {
                rho = rho0 * Math.pow(rhoGrowth, admmEpoch++);
            }
            out.add(new PrunedEpoch(m.epoch(), stage, rho, m.pruning().admmResidual(), m.pruning().sparsity(),
                    m.trainLoss(), m.testTop1()));
        }
        return out;
    }

    /** Rows b, c90 and e of the earlier short run, when its results are beside these. */
    private static Map<String, JsonNode> previousRun(Path file) throws Exception {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (Files.exists(file)) {
            for (JsonNode row : new ObjectMapper().readTree(file.toFile()).path("rows")) {
                String name = row.path("name").asText();
                if (List.of("b", "c90", "e").contains(name)) {
                    out.put(name, row);
                }
            }
        }
        return out;
    }

    /**
     * Which way the comparison falls, with the binomial standard error of a difference of two accuracies on
     * {@code n} test images: within two standard errors it is not called.
     */
    static String verdict(String what, double pruned, double small, int n) {
        double se = Math.sqrt(pruned * (1 - pruned) / n + small * (1 - small) / n);
        String call = Math.abs(pruned - small) <= 2 * se ? "within noise" : pruned > small ? "pruned ahead"
                : "small dense ahead";
        return String.format("%s: pruned %.2f%% vs small dense %.2f%% (difference %+.2f points, two standard errors "
                + "%.2f): %s", what, 100 * pruned, 100 * small, 100 * (pruned - small), 200 * se, call);
    }

    private static String markdown(Map<String, Object> r, List<RobustPruningBench.Row> rows,
                                   List<PrunedEpoch> epochs, int testImages, Map<String, JsonNode> previous) {
        StringBuilder table = new StringBuilder();
        for (RobustPruningBench.Row row : rows) {
            table.append(String.format("| %s | %s | %.2f | %.2f | %d / %d | %d | %.0f |%n", row.name(),
                    row.description(), 100 * row.naturalTop1(), 100 * row.adversarialTop1(),
                    row.nonzeroParameters(), row.parameters(), row.epochs(), row.epochSeconds()));
        }
        StringBuilder perEpoch = new StringBuilder();
        for (PrunedEpoch e : epochs) {
            perEpoch.append(String.format("| %d | %s | %s | %s | %.4f | %.4f | %.2f |%n", e.epoch(), e.stage(),
                    e.rho() == null ? "" : String.format("%.3g", e.rho()),
                    e.admmResidual() == null ? "" : String.format("%.4f", e.admmResidual()), e.sparsity(),
                    e.trainLoss(), 100 * e.naturalTop1()));
        }
        StringBuilder before = new StringBuilder();
        for (JsonNode row : previous.values()) {
            before.append(String.format("| %s | %s | %.2f | %.2f | %d |%n", row.path("name").asText(),
                    row.path("description").asText(), 100 * row.path("naturalTop1").asDouble(),
                    100 * row.path("adversarialTop1").asDouble(), row.path("nonzeroParameters").asLong()));
        }
        RobustPruningBench.Row pruned = rows.get(1);
        RobustPruningBench.Row small = rows.get(2);
        return String.format("""
                # The second hypothesis, rerun: pruned large robust model against small dense robust model (%s)

                %s; %s. Training attack %s; evaluation attack PGD-20, eps 0.1, step 0.01, random start, on the
                executors against each model itself (white box). Epochs per stage: %s. ADMM: %s (Z, U and rho
                updated after every ADMM epoch). Load average %.1f at the end.

                | row | model | natural top-1 %% | PGD-20 top-1 %% | nonzero / all parameters | epochs | s per epoch |
                | --- | --- | --- | --- | --- | --- | --- |
                %s
                - %s
                - %s

                ## The pruned row epoch by epoch

                rho: the penalty the epoch trained with; residual: ||W - Z|| / ||W|| over the pruned layers after the
                epoch's ADMM update (W has met its sparse projection when it is near 0, and hard pruning then costs
                little); natural top-1 on the test images after the epoch.

                | epoch | stage | rho | residual | sparsity | train loss | natural top-1 %% |
                | --- | --- | --- | --- | --- | --- | --- |
                %s
                ## The earlier short run (robust-pruning.md: 10,000 images, 3 dense + 2 ADMM + 2 retraining epochs, \
                rho 1e-3 growing x1.3 per epoch)

                | row | model | natural top-1 %% | PGD-20 top-1 %% | nonzero parameters |
                | --- | --- | --- | --- | --- |
                %s""", r.get("model"), r.get("data"), r.get("recipe"), r.get("trainingAttack"), r.get("epochs"),
                r.get("admm"), (Double) r.get("loadAverage"), table,
                verdict("natural", pruned.naturalTop1(), small.naturalTop1(), testImages),
                verdict("PGD-20", pruned.adversarialTop1(), small.adversarialTop1(), testImages), perEpoch,
                before.isEmpty() ? "(not beside these results)\n" : before);
    }
}
