package ai.synergy.bench;

import ai.synergy.config.Json;
import ai.synergy.dataset.DataSpec;
import ai.synergy.jobs.QuantizeJob;
import ai.synergy.jobs.TrainJob;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.metrics.RoundMetrics;
import ai.synergy.nd4j.Nd4jRuntime;
import ai.synergy.run.RunFolder;
import ai.synergy.spark.SparkContexts;
import ai.synergy.training.QuantizationMethod;
import ai.synergy.training.QuantizeConfig;
import ai.synergy.training.TrainConfig;
import org.apache.commons.io.FileUtils;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark (not a test) of incremental quantization on Fashion-MNIST, in one run on Spark local[2]: one ResNet
 * trained in float32, then quantized from that same model with INQ at 5, 4, 3 and 2 bits (magnitude partition), INQ
 * 5 bits with a random partition, SLQ 5 bits and MLQ (ternary). Reports test top-1, the compact export's size and
 * compression against float32, and the driver's partition + quantize time against a round's retraining. Writes
 * {@code quantization.{json,md}}.
 *
 * <p>Usage: {@code bench/quantization.sh [train images] [test images] [float epochs] [epochs per round]}. With
 * {@code -Dsynergy.bench.rows=slq} only the rows whose name starts with that (case-insensitive) run, and the results
 * go to {@code quantization-slq.{json,md}} (the float32 model is deterministic, so the rows compare with a full run).
 */
public final class QuantizationBench {
    private QuantizationBench() {
    }

    /** One quantized model. */
    record Row(String name, double testTop1, long compactBytes, long denseBytes, double compression, int rounds,
               double partitionSecondsMean, double retrainSecondsMean) {
    }

    public static void main(String[] args) throws Exception {
        int trainImages = args.length > 0 ? Integer.parseInt(args[0]) : 10000;
        int testImages = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        int floatEpochs = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int epochsPerRound = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        Path outDir = Path.of(args.length > 4 ? args[4] : "bench/results");
        Path work = Path.of(args.length > 5 ? args[5] : "/tmp/synergy-quantization-bench");
        Nd4jRuntime.enableLayerHelpers();
        FileUtils.deleteDirectory(work.toFile());
        DataSpec data = DataSpec.fashionMnist(null, trainImages, testImages);
        List<Row> rows = new ArrayList<>();
        double floatTop1;
        long floatBytes;
        try (JavaSparkContext jsc = SparkContexts.start("synergy-bench-quantization", 2)) {
            TrainConfig train = TrainConfig.builder().data(data).model("resnet14").epochs(floatEpochs)
                    .evalBatchSize(250).seed(11).keepCheckpoints(1).build();
            Path trained = work.resolve("float32");
            List<EpochMetrics> metrics = new TrainJob(jsc, train, new TrainJob.RunOptions(trained.toString(), false,
                    0), quiet()).run().metrics();
            floatTop1 = metrics.get(metrics.size() - 1).testTop1();
            Path model = trained.resolve(RunFolder.MODEL);
            floatBytes = Files.size(model);
            System.out.printf("float32: test top-1 %.4f%n", floatTop1);
            String only = System.getProperty("synergy.bench.rows", "").toLowerCase(Locale.ROOT);
            List<Object[]> plan = new ArrayList<>();
            for (int bits : new int[]{5, 4, 3, 2}) {
                plan.add(new Object[]{"INQ " + bits + "-bit", QuantizationMethod.INQ, bits, false});
            }
            plan.add(new Object[]{"INQ 5-bit, random partition", QuantizationMethod.INQ, 5, true});
            plan.add(new Object[]{"SLQ 5-bit", QuantizationMethod.SLQ, 5, false});
            plan.add(new Object[]{"MLQ ternary (4 layer stages)", QuantizationMethod.MLQ, 2, false});
            for (Object[] row : plan) {
                String name = (String) row[0];
                if (name.toLowerCase(Locale.ROOT).startsWith(only)) {
                    rows.add(run(jsc, data, model, work, name, (QuantizationMethod) row[1], (int) row[2],
                            (boolean) row[3], epochsPerRound));
                }
            }
        }
        String file = System.getProperty("synergy.bench.rows", "").isEmpty() ? "quantization"
                : "quantization-" + System.getProperty("synergy.bench.rows").toLowerCase(Locale.ROOT);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", "CIFAR-family resnet14 (1x28x28, 10 classes)");
        result.put("data", "fashion-mnist, first " + trainImages + " training and " + testImages + " test images");
        result.put("float32Recipe", floatEpochs + " epochs, 2 workers, batch 64, averaging 5, onecycle lr 0.2");
        result.put("retraining", epochsPerRound + " epoch(s) per round, cosine lr 0.01, momentum restarted");
        result.put("float32Top1", floatTop1);
        result.put("float32ModelZipBytes", floatBytes);
        result.put("rows", rows);
        String md = markdown(result, rows, floatTop1);
        BenchResults.write(outDir.resolve(file + ".json"), Json.write(result));
        BenchResults.write(outDir.resolve(file + ".md"), md);
        System.out.println(md);
    }

    private static Row run(JavaSparkContext jsc, DataSpec data, Path model, Path work, String name,
                           QuantizationMethod method, int bits, boolean random, int epochsPerRound) throws Exception {
        QuantizeConfig config = QuantizeConfig.builder().data(data).model(model.toString()).method(method).bits(bits)
                .randomPartition(random).epochsPerRound(epochsPerRound).evalBatchSize(250).seed(11).build();
        Path out = work.resolve(name.replaceAll("[^A-Za-z0-9]+", "-"));
        QuantizeJob.Result result = new QuantizeJob(jsc, config, new QuantizeJob.RunOptions(out.toString(), false,
                0), quiet()).run();
        List<RoundMetrics> rounds = result.rounds();
        RoundMetrics last = rounds.get(rounds.size() - 1);
        double partition = rounds.stream().mapToDouble(RoundMetrics::partitionSeconds).average().orElse(0);
        double retrain = rounds.stream().filter(r -> r.trainLoss() != null).mapToDouble(RoundMetrics::trainSeconds)
                .average().orElse(0);
        Row row = new Row(name, last.testTop1(), result.compact().compactBytes(), result.compact().denseBytes(),
                result.compact().compression(), rounds.size(), partition, retrain);
        System.out.printf("%s: test top-1 %.4f, %.1fx smaller, partition %.3f s vs retraining %.1f s per round%n",
                name, row.testTop1(), row.compression(), partition, retrain);
        return row;
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream());
    }

    private static String markdown(Map<String, Object> r, List<Row> rows, double floatTop1) {
        StringBuilder table = new StringBuilder();
        Row first = rows.get(0);
        table.append(String.format("| float32 | %.2f | | %.1f KB | 1.0x | | | |%n", 100 * floatTop1,
                first.denseBytes() / 1024.0));
        for (Row row : rows) {
            table.append(String.format("| %s | %.2f | %+.2f | %.1f KB | %.1fx | %d | %.3f | %.1f (%.4f) |%n",
                    row.name(), 100 * row.testTop1(), 100 * (row.testTop1() - floatTop1), row.compactBytes() / 1024.0,
                    row.compression(), row.rounds(), row.partitionSecondsMean(), row.retrainSecondsMean(),
                    row.retrainSecondsMean() == 0 ? 0 : row.partitionSecondsMean() / row.retrainSecondsMean()));
        }
        return String.format("""
                # Incremental quantization (%s)

                %s. Float32 model: %s. Every quantized model starts from that same float32 model; %s. Sizes are
                the parameters in the compact export (b-bit codes + codebook per quantized layer, biases and batch
                norm in float32) against all parameters in float32.

                | model | test top-1 %% | vs float32 (points) | parameters | compression | rounds | driver partition + quantize, s per round | retraining s per round (partition / retraining) |
                | --- | --- | --- | --- | --- | --- | --- | --- |
                %s""", r.get("model"), r.get("data"), r.get("float32Recipe"), r.get("retraining"), table);
    }
}
