package ai.synergy.bench;

import ai.synergy.config.Json;
import ai.synergy.dataset.DataSpec;
import ai.synergy.dks.Supervision;
import ai.synergy.jobs.TrainJob;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.nd4j.Nd4jRuntime;
import ai.synergy.spark.SparkContexts;
import ai.synergy.training.TrainConfig;
import org.apache.commons.io.FileUtils;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark (not a test) of DKS against its ablations: the same CIFAR-family ResNet trained on Fashion-MNIST with
 * {@code none}, {@code ds} and {@code dks} supervision, same schedule and epochs, several seeds, interleaved by seed
 * in one run (Spark local[2], 2 workers). Reports mean and standard deviation of the main head's test top-1 error per
 * method and the training images/s (the cost of the auxiliary heads). Writes {@code dks.{json,md}}.
 *
 * <p>Usage: {@code bench/dks.sh [model] [epochs] [train images] [seeds]}.
 */
public final class DksBench {
    private DksBench() {
    }

    public static void main(String[] args) throws Exception {
        String model = args.length > 0 ? args[0] : "resnet14";
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int trainImages = args.length > 2 ? Integer.parseInt(args[2]) : 30000;
        int seeds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        Path outDir = Path.of(args.length > 4 ? args[4] : "bench/results");
        Path work = Path.of(args.length > 5 ? args[5] : "/tmp/synergy-dks-bench");
        Nd4jRuntime.enableLayerHelpers();
        DataSpec data = DataSpec.fashionMnist(null, trainImages, 0);
        ModelArchitecture architecture = ModelArchitecture.parse(model);
        Map<Supervision, List<Double>> errors = new LinkedHashMap<>();
        Map<Supervision, List<Double>> speeds = new LinkedHashMap<>();
        Map<Supervision, List<Map<String, Double>>> heads = new LinkedHashMap<>();
        try (JavaSparkContext jsc = SparkContexts.start("synergy-bench-dks", 2)) {
            for (int seed = 1; seed <= seeds; seed++) {
                for (Supervision mode : Supervision.values()) {
                    // the product's defaults (onecycle at 0.2, 2 workers x 64, averaging every 5)
                    TrainConfig config = TrainConfig.builder().data(data).model(architecture).supervision(mode)
                            .epochs(epochs).seed(seed).keepCheckpoints(1).build();
                    Path out = work.resolve(mode.name().toLowerCase() + "-seed" + seed);
                    FileUtils.deleteDirectory(out.toFile());
                    List<EpochMetrics> metrics = new TrainJob(jsc, config, new TrainJob.RunOptions(out.toString(),
                            false, 0), new PrintStream(new ByteArrayOutputStream())).run().metrics();
                    EpochMetrics last = metrics.get(metrics.size() - 1);
                    double speed = metrics.stream().mapToDouble(EpochMetrics::imagesPerSecond).average().orElse(0);
                    errors.computeIfAbsent(mode, k -> new ArrayList<>()).add(1 - last.testTop1());
                    speeds.computeIfAbsent(mode, k -> new ArrayList<>()).add(speed);
                    if (last.headTop1() != null) {
                        heads.computeIfAbsent(mode, k -> new ArrayList<>()).add(last.headTop1());
                    }
                    System.out.printf("seed %d %-4s: test top-1 error %.4f, %.0f images/s%s%n", seed, mode,
                            1 - last.testTop1(), speed, last.headTop1() == null ? "" : ", heads " + last.headTop1());
                }
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", model + " (1x28x28, 10 classes)");
        result.put("data", "fashion-mnist, first " + trainImages + " training images, all 10000 test images");
        result.put("recipe", "2 workers, batch 64, averaging 5, onecycle lr 0.2, Nesterov 0.9, wd 1e-4");
        result.put("epochs", epochs);
        result.put("seeds", seeds);
        Map<String, Object> perMethod = new LinkedHashMap<>();
        for (Supervision mode : errors.keySet()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("top1ErrorMean", mean(errors.get(mode)));
            m.put("top1ErrorStd", std(errors.get(mode)));
            m.put("imagesPerSecondMean", mean(speeds.get(mode)));
            m.put("top1Errors", errors.get(mode));
            m.put("imagesPerSecond", speeds.get(mode));
            if (heads.containsKey(mode)) {
                m.put("lastEpochHeads", heads.get(mode));
            }
            perMethod.put(mode.name().toLowerCase(), m);
        }
        result.put("methods", perMethod);
        BenchResults.write(outDir.resolve("dks.json"), Json.write(result));
        BenchResults.write(outDir.resolve("dks.md"), markdown(result, errors, speeds));
        System.out.println(markdown(result, errors, speeds));
    }

    static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    static double std(List<Double> v) {
        double m = mean(v);
        return v.size() < 2 ? 0 : Math.sqrt(v.stream().mapToDouble(x -> (x - m) * (x - m)).sum() / (v.size() - 1));
    }

    private static String markdown(Map<String, Object> r, Map<Supervision, List<Double>> errors,
                                   Map<Supervision, List<Double>> speeds) {
        StringBuilder table = new StringBuilder();
        double baseSpeed = mean(speeds.get(Supervision.NONE));
        for (Supervision mode : errors.keySet()) {
            table.append(String.format("| %s | %.2f ± %.2f | %s | %.0f (%.2fx) |%n", mode.name().toLowerCase(),
                    100 * mean(errors.get(mode)), 100 * std(errors.get(mode)),
                    errors.get(mode).stream().map(e -> String.format("%.2f", 100 * e)).toList(),
                    mean(speeds.get(mode)), mean(speeds.get(mode)) / baseSpeed));
        }
        return String.format("""
                # DKS vs deep supervision vs baseline (%s)

                %s; %s; %s epochs; %s seeds, interleaved by seed in one run. Error = 1 - top-1 of the main head (the
                exported model) on the test set; std is the sample standard deviation over seeds.

                | supervision | top-1 error %% (mean ± std) | per seed | training images/s (vs none) |
                | --- | --- | --- | --- |
                %s""", r.get("model"), r.get("data"), r.get("recipe"), r.get("epochs"), r.get("seeds"), table);
    }
}
