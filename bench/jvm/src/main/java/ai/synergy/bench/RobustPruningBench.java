package ai.synergy.bench;

import ai.synergy.adversarial.Pgd;
import ai.synergy.config.Json;
import ai.synergy.dataset.DataSpec;
import ai.synergy.evaluation.RobustCounts;
import ai.synergy.jobs.EvaluateJob;
import ai.synergy.jobs.TrainJob;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import ai.synergy.nd4j.Nd4jRuntime;
import ai.synergy.pruning.PrunableLayers;
import ai.synergy.pruning.PruningRatios;
import ai.synergy.pruning.PruningScheme;
import ai.synergy.pruning.SparsityReport;
import ai.synergy.run.RunFolder;
import ai.synergy.spark.SparkContexts;
import ai.synergy.training.AdversarialTraining;
import ai.synergy.training.CheckpointState;
import ai.synergy.training.PruningConfig;
import ai.synergy.training.PruningStages;
import ai.synergy.training.TrainConfig;
import org.apache.commons.io.FileUtils;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark (not a test) of robust + sparse training (Ye et al., arXiv:1903.12561) on Fashion-MNIST, in one run on
 * Spark local[2] with 2 workers: (a) dense natural, (b) dense PGD training, (c) (b) + ADMM pruning under PGD at 80,
 * 90 and 95% irregular sparsity, (d) (b) + ADMM filter pruning at 90% of every conv layer (the output layer's
 * "filters" are its classes, so it stays dense), (e) a narrower dense ResNet with about as
 * many parameters as (c) at 90%, PGD-trained from scratch for as many epochs as (b) + (c). Every model is evaluated
 * naturally and under PGD-20 (eps 0.1, step 0.01) on the executors. Also the cost of an adversarial epoch against a
 * natural one (ideal: attack steps + 1). Writes {@code robust-pruning.{json,md}}.
 *
 * <p>Usage: {@code bench/robust-pruning.sh [train images] [test images] [dense epochs] [admm epochs]
 * [retrain epochs] [training PGD steps]}. With {@code -Dsynergy.bench.reuse=true} (a long run that was cut short)
 * rows whose model is already in the work folder are evaluated again without retraining; their training times come
 * from the run's saved metrics.
 */
public final class RobustPruningBench {
    static final double EPS = 0.1;

    private RobustPruningBench() {
    }

    /** One trained model and its scores. */
    record Row(String name, String description, double naturalTop1, double adversarialTop1, long parameters,
               long nonzeroParameters, long sparseBytes, long denseBytes, double trainSeconds, double epochSeconds,
               int epochs) {
    }

    public static void main(String[] args) throws Exception {
        int trainImages = args.length > 0 ? Integer.parseInt(args[0]) : 10000;
        int testImages = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int denseEpochs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int admmEpochs = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        int retrainEpochs = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        int trainSteps = args.length > 5 ? Integer.parseInt(args[5]) : 3;
        Path outDir = Path.of(args.length > 6 ? args[6] : "bench/results");
        Path work = Path.of(args.length > 7 ? args[7] : "/tmp/synergy-robust-pruning-bench");
        Nd4jRuntime.enableLayerHelpers();
        boolean fresh = !Boolean.getBoolean("synergy.bench.reuse");
        if (fresh) {
            FileUtils.deleteDirectory(work.toFile());
        }

        DataSpec data = DataSpec.fashionMnist(null, trainImages, testImages);
        // Madry et al.'s step: about 2.5 eps / steps, so the attack can cross the ball
        Pgd trainAttack = new Pgd(EPS, 2.5 * EPS / trainSteps, trainSteps, true);
        Pgd evalAttack = new Pgd(EPS, 0.01, 20, true);
        AdversarialTraining pgd = new AdversarialTraining(trainAttack, 1);
        Bench bench = new Bench(data, work, evalAttack);
        List<Row> rows = new ArrayList<>();
        Row dense;
        try (JavaSparkContext jsc = SparkContexts.start("synergy-bench-robust-pruning", 2)) {
            bench.jsc = jsc;
            rows.add(bench.run("a", "dense, natural training", 1, AdversarialTraining.none(), PruningConfig.none(),
                    denseEpochs, null));
            dense = bench.run("b", "dense, PGD training", 1, pgd, PruningConfig.none(), denseEpochs, null);
            rows.add(dense);
            String denseModel = work.resolve("b").resolve(RunFolder.MODEL).toString();
            for (double ratio : new double[]{0.8, 0.9, 0.95}) {
                rows.add(bench.run("c" + Math.round(ratio * 100), "(b) + ADMM irregular " + pct(ratio) + " under PGD",
                        1, pgd, admm(PruningScheme.IRREGULAR, ratio, admmEpochs, retrainEpochs), 0, denseModel));
            }
            // the classifier keeps all its outputs: removing "filters" of the output layer would remove classes
            rows.add(bench.run("d90", "(b) + ADMM filter 90% (conv layers) under PGD", 1, pgd,
                    PruningConfig.admm(new PruningRatios(Map.of(ResNets.OUTPUT, 0.0), 0.9))
                            .withScheme(PruningScheme.FILTER).withEpochs(admmEpochs, 1, retrainEpochs), 0, denseModel));
            long target = rows.stream().filter(r -> r.name().equals("c90")).findFirst().orElseThrow()
                    .nonzeroParameters();
            double width = widthWithParameters(data, target);
            rows.add(bench.run("e", String.format("small dense (width %.4g), PGD from scratch", width), width, pgd,
                    PruningConfig.none(), denseEpochs + admmEpochs + retrainEpochs, null));
        }
        Row natural = rows.get(0);
        double adversarialCost = dense.epochSeconds() / natural.epochSeconds();

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", "CIFAR-family resnet8 (1x28x28, 10 classes)");
        result.put("data", "fashion-mnist, first " + trainImages + " training and " + testImages + " test images");
        result.put("recipe", "2 workers, batch 64, averaging 5, cosine lr 0.1 per stage, Nesterov 0.9, wd 1e-4");
        result.put("trainingAttack", trainAttack);
        result.put("evaluationAttack", evalAttack);
        result.put("epochs", Map.of("dense", denseEpochs, "admm", admmEpochs, "retrain", retrainEpochs));
        result.put("adversarialEpochCost", adversarialCost);
        result.put("adversarialEpochCostIdeal", trainSteps + 1);
        result.put("rows", rows);
        String md = markdown(result, rows, adversarialCost, trainSteps + 1);
        BenchResults.write(outDir.resolve("robust-pruning.json"), Json.write(result));
        BenchResults.write(outDir.resolve("robust-pruning.md"), md);
        System.out.println(md);
    }

    private static PruningConfig admm(PruningScheme scheme, double ratio, int admmEpochs, int retrainEpochs) {
        return PruningConfig.admm(PruningRatios.uniform(ratio)).withScheme(scheme).withEpochs(admmEpochs, 1,
                retrainEpochs);
    }

    /** The CIFAR-family width whose resnet8 has about {@code parameters} parameters (bisection on the width). */
    static double widthWithParameters(DataSpec data, long parameters) {
        double low = 1.0 / 16;
        double high = 1;
        for (int i = 0; i < 20; i++) {
            double mid = (low + high) / 2;
            if (parameterCount(data, mid) < parameters) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return Math.abs(parameterCount(data, low) - parameters) <= Math.abs(parameterCount(data, high) - parameters)
                ? low : high;
    }

    private static long parameterCount(DataSpec data, double width) {
        return ResNets.create(spec(data, width), new OptimizerSpec(0.1, 0.9, 1e-4)).numParams();
    }

    private static ModelSpec spec(DataSpec data, double width) {
        return new ModelSpec(ModelArchitecture.parse("resnet8"), width, 1, 28, 28, 10, data.mean(), data.std(), 7);
    }

    private static String pct(double ratio) {
        return Math.round(ratio * 100) + "%";
    }

    /** Trains and scores the rows, sharing one Spark context. */
    static final class Bench {
        private final DataSpec data;
        private final Path work;
        private final Pgd evalAttack;
        JavaSparkContext jsc;

        Bench(DataSpec data, Path work, Pgd evalAttack) {
            this.data = data;
            this.work = work;
            this.evalAttack = evalAttack;
        }

        Row run(String name, String description, double width, AdversarialTraining adversarial,
                PruningConfig pruning, int epochs, String initModel) throws Exception {
            return run(name, description, width, adversarial, pruning, epochs, initModel, 0.1);
        }

        /** Trains (or reuses) and scores one row; {@code learningRate} is each stage's cosine peak. */
        Row run(String name, String description, double width, AdversarialTraining adversarial,
                PruningConfig pruning, int epochs, String initModel, double learningRate) throws Exception {
            TrainConfig config = TrainConfig.builder().data(data).model("resnet8").width(width)
                    .adversarial(adversarial).pruning(pruning).learningRate(learningRate)
                    .schedule(LearningRateSchedule.Type.COSINE).epochs(epochs).evalBatchSize(250).seed(7)
                    .keepCheckpoints(1).initModel(initModel).build();
            Path out = work.resolve(name);
            String model = out.resolve(RunFolder.MODEL).toString();
            List<EpochMetrics> metrics;
            double seconds;
            if (Files.exists(out.resolve(RunFolder.MODEL_PROVENANCE))) {
                metrics = Json.read(Files.readString(out.resolve(RunFolder.MODEL_PROVENANCE)),
                        CheckpointState.class, RunFolder.MODEL_PROVENANCE).metrics();
                seconds = metrics.stream().mapToDouble(m -> m.epochSeconds() + m.evalSeconds()).sum();
                System.out.printf("%s: reusing the model trained earlier in %s%n", name, out);
            } else {
                FileUtils.deleteDirectory(out.toFile());
                long start = System.nanoTime();
                metrics = new TrainJob(jsc, config, new TrainJob.RunOptions(out.toString(), false, 0),
                        new PrintStream(new ByteArrayOutputStream())).run().metrics();
                seconds = (System.nanoTime() - start) / 1e9;
            }
            double epochSeconds = metrics.stream().mapToDouble(EpochMetrics::epochSeconds).average()
                    .orElse(Double.NaN);
            RobustCounts counts = EvaluateJob.runUnderAttack(jsc, model, data, 2, 100, evalAttack, 1);
            ComputationGraph graph = EvaluateJob.load(jsc, model);
            SparsityReport sparsity = PruningStages.report(graph, PrunableLayers.weights(graph).keySet());
            Row row = new Row(name, description, counts.natural().top1(), counts.adversarial().top1(),
                    sparsity.totalParameters(), sparsity.keptParameters(), sparsity.sparseExportBytes(),
                    sparsity.denseExportBytes(), seconds, epochSeconds, metrics.size());
            System.out.printf("%s %s: natural %.4f, PGD-20 %.4f, %d of %d parameters nonzero, %.0f s%n", name,
                    description, row.naturalTop1(), row.adversarialTop1(), row.nonzeroParameters(),
                    row.parameters(), seconds);
            return row;
        }
    }

    private static String markdown(Map<String, Object> r, List<Row> rows, double cost, int ideal) {
        StringBuilder table = new StringBuilder();
        for (Row row : rows) {
            table.append(String.format("| %s | %s | %.2f | %.2f | %d / %d | %.1f KB (%.1fx) | %d | %.0f |%n",
                    row.name(), row.description(), 100 * row.naturalTop1(), 100 * row.adversarialTop1(),
                    row.nonzeroParameters(), row.parameters(), row.sparseBytes() / 1024.0,
                    (double) row.denseBytes() / row.sparseBytes(), row.epochs(), row.epochSeconds()));
        }
        return String.format("""
                # Adversarial robustness with pruning (%s)

                %s; %s. Training attack %s; evaluation attack PGD-20, eps 0.1, step 0.01, random start, on the
                executors against each model itself (white box). Epochs per stage: %s. Sparse size: each kept
                weight as float32 plus the cheaper of a bitmap or int32 indices per pruned layer; every other
                parameter dense (ratio = dense float32 size / sparse size).

                | row | model | natural top-1 %% | PGD-20 top-1 %% | nonzero / all parameters | sparse size | epochs | s per epoch |
                | --- | --- | --- | --- | --- | --- | --- | --- |
                %s
                Cost of an adversarial training epoch relative to a natural one (b vs a, same model, measured in
                this run): **%.2fx** (ideal: steps + 1 = %d forward/backward passes per minibatch).
                """, r.get("model"), r.get("data"), r.get("recipe"), r.get("trainingAttack"), r.get("epochs"), table,
                cost, ideal);
    }
}
