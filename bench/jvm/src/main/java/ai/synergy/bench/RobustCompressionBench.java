package ai.synergy.bench;

import ai.synergy.adversarial.Apgd;
import ai.synergy.adversarial.Pgd;
import ai.synergy.chain.ChainConfig;
import ai.synergy.chain.ChainReport;
import ai.synergy.chain.RobustCompressJob;
import ai.synergy.chain.StageResult;
import ai.synergy.config.Json;
import ai.synergy.dataset.DataSpec;
import ai.synergy.evaluation.RobustCounts;
import ai.synergy.jobs.EvaluateJob;
import ai.synergy.jobs.QuantizeJob;
import ai.synergy.jobs.TrainJob;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.nd4j.Nd4jRuntime;
import ai.synergy.run.RunFolder;
import ai.synergy.spark.SparkContexts;
import ai.synergy.training.AdversarialTraining;
import ai.synergy.training.QuantizationMethod;
import ai.synergy.training.QuantizeConfig;
import ai.synergy.training.TrainConfig;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark (not a test) of the robust-compression chain (docs/methods.md section 6) on Fashion-MNIST with ResNet-8,
 * Spark local[2], 2 workers, in one resumable run (every job resumes or is skipped when its folder is finished):
 * <ol>
 *   <li>the chain's table: (a) DKS, (b) PGD + ADMM pruning, INQ 5 and 4 bits from (b) with PGD retraining;</li>
 *   <li>APGD-CE against PGD-20, both at 20 iterations, on a dense robust model (PGD training from (a) for as many epochs
 *       as (b), no pruning) and on the pruned robust model (b);</li>
 *   <li>robust accuracy of (b) before and after INQ at 5, 4 and 3 bits, with and without {@code quantize --adversarial
 *       pgd} (the chain's own INQ stages where their configuration is the same).</li>
 * </ol>
 * Writes {@code robust-compression.{json,md}}.
 *
 * <p>Usage: {@code bench/robust-compression.sh [train images] [test images] [dks epochs] [admm epochs]
 * [retrain epochs] [training PGD steps] [results folder] [work folder]}.
 */
public final class RobustCompressionBench {
    private static final double EPS = 0.1;
    private static final List<Integer> SWEEP_BITS = List.of(5, 4, 3);

    private RobustCompressionBench() {
    }

    /** One model's robust accuracy. */
    record Scores(String model, String description, double naturalTop1, double pgd20Top1, double apgdTop1) {
    }

    public static void main(String[] args) throws Exception {
        int trainImages = args.length > 0 ? Integer.parseInt(args[0]) : 10000;
        int testImages = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int dksEpochs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int admmEpochs = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        int retrainEpochs = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        int trainSteps = args.length > 5 ? Integer.parseInt(args[5]) : 3;
        Path outDir = Path.of(args.length > 6 ? args[6] : "bench/results");
        Path work = Path.of(args.length > 7 ? args[7] : "/tmp/synergy-robust-compression-bench");
        Nd4jRuntime.enableLayerHelpers();
        Files.createDirectories(work);

        DataSpec data = DataSpec.fashionMnist(null, trainImages, testImages);
        // Madry et al.'s step: about 2.5 eps / steps, so the attack can cross the ball
        Pgd trainAttack = new Pgd(EPS, 2.5 * EPS / trainSteps, trainSteps, true);
        AdversarialTraining pgd = new AdversarialTraining(trainAttack, 1);
        Pgd pgd20 = new Pgd(EPS, 0.01, 20, true);
        Apgd apgd = new Apgd(EPS, 20, Apgd.Loss.CE, 1);
        ChainConfig chain = ChainConfig.builder().data(data).model("resnet8").dksEpochs(dksEpochs).learningRate(0.1)
                .admmEpochs(admmEpochs).retrainEpochs(retrainEpochs).ratio(0.8).bits(List.of(5, 4)).epochsPerRound(1)
                .adversarial(pgd).evalPgdSteps(20).apgdBudget(20).workers(2).evalBatchSize(250).seed(7).build();
        Path chainDir = work.resolve("chain");
        String lean = chainDir.resolve("a-dks").resolve(RunFolder.MODEL).toString();
        String pruned = chainDir.resolve("b-prune").resolve(RunFolder.MODEL).toString();
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());

        List<StageResult> stages;
        List<Scores> attacks = new ArrayList<>();
        List<Scores> sweep = new ArrayList<>();
        long start = System.nanoTime();
        try (JavaSparkContext jsc = SparkContexts.start("synergy-bench-robust-compression", 2)) {
            stages = new RobustCompressJob(jsc, chain, new RobustCompressJob.RunOptions(chainDir.toString(),
                    RunFolder.Resume.AUTO, 0), System.out).run().stages();

            Path denseDir = work.resolve("dense-robust");
            TrainConfig dense = TrainConfig.builder().data(data).model("resnet8").adversarial(pgd).learningRate(0.01)
                    .schedule(LearningRateSchedule.Type.COSINE).epochs(admmEpochs + retrainEpochs).evalBatchSize(250)
                    .seed(7).keepCheckpoints(1).initModel(lean).build();
            new TrainJob(jsc, dense, new TrainJob.RunOptions(denseDir.toString(), RunFolder.Resume.AUTO, 0, false),
                    quiet).run();
            String denseModel = denseDir.resolve(RunFolder.MODEL).toString();
            attacks.add(scores(jsc, data, denseModel, "dense robust: PGD training from (a), no pruning", pgd20, apgd));
            Scores prunedScores = scores(jsc, data, pruned, "(b) pruned robust (80%)", pgd20, apgd);
            attacks.add(prunedScores);

            sweep.add(prunedScores);
            for (boolean adversarial : new boolean[]{false, true}) {
                for (int bits : SWEEP_BITS) {
                    String name = "inq" + bits + (adversarial ? "-pgd" : "-natural");
                    Path out = work.resolve(name);
                    QuantizeConfig config = QuantizeConfig.builder().data(data).model(pruned)
                            .method(QuantizationMethod.INQ).bits(bits).epochsPerRound(1).evalBatchSize(250).seed(7)
                            .adversarial(adversarial ? pgd : AdversarialTraining.none()).build();
                    if (chain.bits().contains(bits) && config.equals(chain.inqConfig(bits, pruned))) {
                        out = chainDir.resolve(chain.stages().get(2 + chain.bits().indexOf(bits)).name());
                    } else {
                        new QuantizeJob(jsc, config, new QuantizeJob.RunOptions(out.toString(),
                                RunFolder.Resume.AUTO, 0), quiet).run();
                    }
                    sweep.add(scores(jsc, data, out.resolve(RunFolder.MODEL).toString(), "(b) + INQ " + bits
                            + "-bit, " + (adversarial ? "PGD" : "natural") + " retraining", pgd20, apgd));
                }
            }
        }
        double minutes = (System.nanoTime() - start) / 60e9;

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", "CIFAR-family resnet8 (1x28x28, 10 classes)");
        result.put("data", "fashion-mnist, first " + trainImages + " training and " + testImages + " test images");
        result.put("chain", chain);
        result.put("evaluation", Map.of("pgd20", pgd20, "apgdCe", apgd));
        result.put("stages", stages);
        result.put("apgdVsPgd20", attacks);
        result.put("inqSweep", sweep);
        result.put("minutes", minutes);
        result.put("cores", Runtime.getRuntime().availableProcessors());
        result.put("loadAverage", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage());
        String md = markdown(result, stages, attacks, sweep);
        BenchResults.copy(chainDir.resolve(ChainReport.CHART), outDir.resolve(ChainReport.CHART));
        BenchResults.write(outDir.resolve("robust-compression.json"), Json.write(result));
        BenchResults.write(outDir.resolve("robust-compression.md"), md);
        System.out.println(md);
    }

    private static Scores scores(JavaSparkContext jsc, DataSpec data, String model, String description, Pgd pgd20,
                                 Apgd apgd) throws Exception {
        RobustCounts p = EvaluateJob.runUnderAttack(jsc, model, data, 2, 250, pgd20, 7);
        RobustCounts a = EvaluateJob.runUnderAttack(jsc, model, data, 2, 250, apgd, 7);
        Scores s = new Scores(model, description, p.natural().top1(), p.adversarial().top1(), a.adversarial().top1());
        System.out.printf("%s: natural %.4f, PGD-20 %.4f, APGD-CE %.4f%n", description, s.naturalTop1(),
                s.pgd20Top1(), s.apgdTop1());
        return s;
    }

    private static String markdown(Map<String, Object> r, List<StageResult> stages, List<Scores> attacks,
                                   List<Scores> sweep) {
        StringBuilder chain = new StringBuilder();
        for (StageResult s : stages) {
            chain.append(String.format("| %s | %.2f | %.2f | %.2f | %d / %d | %.4f | %d | %d | %d (%s) |%n",
                    s.label(), 100 * s.naturalTop1(), 100 * s.pgdTop1(), 100 * s.apgdTop1(), s.nonzeroParameters(),
                    s.totalParameters(), s.sparsity(), s.compactBytes(), s.sparseBytes(), s.exportBytes(),
                    s.exportFile()));
        }
        return String.format("""
                # Robust and small, end to end (%s)

                %s; Spark local[2], 2 workers; %d cores, load average %.1f at the end; %.0f min in all. Chain settings
                in the JSON. Robust accuracy: PGD-20 (eps 0.1, step 0.01, random start) and APGD-CE (eps 0.1, 20
                iterations), on the executors against each model itself. Compact size: the INQ stages' compact
                export, else the smaller of the float32 sparse encoding (kept weights plus the cheaper of a bitmap or
                int32 indices per layer) and model.zip. The papers' second hypothesis, rerun on the full training set:
                pruning-hypothesis.md.

                ## The chain

                ![test accuracy against compact size, per stage](robust-compression.png)

                | stage | natural %% | PGD-20 %% | APGD-CE %% | nonzero / all parameters | sparsity | compact size, bytes | sparse float32, bytes | export file, bytes |
                | --- | --- | --- | --- | --- | --- | --- | --- | --- |
                %s
                ## APGD-CE against PGD-20

                %s
                ## Pruned robust model before and after INQ

                %s""", r.get("model"), r.get("data"), (Integer) r.get("cores"), (Double) r.get("loadAverage"),
                (Double) r.get("minutes"), chain, table(attacks), table(sweep));
    }

    private static String table(List<Scores> rows) {
        StringBuilder t = new StringBuilder("| model | natural % | PGD-20 % | APGD-CE % |\n| --- | --- | --- | --- |\n");
        for (Scores s : rows) {
            t.append(String.format("| %s | %.2f | %.2f | %.2f |%n", s.description(), 100 * s.naturalTop1(),
                    100 * s.pgd20Top1(), 100 * s.apgdTop1()));
        }
        return t.toString();
    }
}
