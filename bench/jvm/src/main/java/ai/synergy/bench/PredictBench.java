package ai.synergy.bench;

import ai.synergy.config.Json;
import ai.synergy.dataset.Augmentation;
import ai.synergy.dataset.DataSpec;
import ai.synergy.jobs.ConvertJob;
import ai.synergy.jobs.EvaluateJob;
import ai.synergy.jobs.ExportJob;
import ai.synergy.jobs.PredictJob;
import ai.synergy.jobs.PrepareJob;
import ai.synergy.jobs.TrainJob;
import ai.synergy.nd4j.Nd4jRuntime;
import ai.synergy.prepare.PrepareOptions;
import ai.synergy.spark.SparkContexts;
import ai.synergy.training.TrainConfig;
import org.apache.commons.io.FileUtils;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark (not a test): {@code predict} against {@code evaluate} on the same images, in one run on Spark
 * {@code local[2]}. Fashion-MNIST is converted to JPEG files ({@code convert}) and prepared into shards
 * ({@code prepare}); a ResNet-8 is trained one epoch on the shards; then, each measured {@code reps} times (median of
 * the wall-clock time of the whole job: model load, listing, scoring, and for predict the Parquet output; the jobs'
 * order rotates from one repetition to the next):
 * {@code evaluate} on the validation shards, {@code predict} on the same shards (at the default batch of both, 256, and
 * at 64), {@code predict} with the model's ONNX export on the same shards (ONNX Runtime on the executors), and
 * {@code predict} on the validation JPEG files themselves ({@code images:}). Predict's top-1
 * on the shards must equal evaluate's. Writes {@code predict.{json,md}}.
 *
 * <p>Usage: {@code bench/predict.sh [validation images] [repetitions] [work folder]}.
 */
public final class PredictBench {
    private PredictBench() {
    }

    public static void main(String[] args) throws Exception {
        int images = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path work = Path.of(args.length > 2 ? args[2] : "/tmp/synergy-predict-bench");
        Path outDir = Path.of(args.length > 3 ? args[3] : "bench/results");
        if (Files.exists(work)) {
            FileUtils.deleteDirectory(work.toFile());
        }
        Nd4jRuntime.enableLayerHelpers();
        PrintStream console = System.out;
        int trainImages = 10_000;
        String ilsvrc = work.resolve("ilsvrc").toUri().toString();
        ConvertJob.run(ConvertJob.Options.of(DataSpec.FASHION_MNIST_DIR, ilsvrc).limit(trainImages, images),
                new Configuration());
        try (JavaSparkContext jsc = SparkContexts.start("synergy-bench-predict", 2)) {
            String shards = work.resolve("shards").toUri().toString();
            PrepareJob.Result prepared = PrepareJob.run(jsc, PrepareOptions.of(ilsvrc, shards, 4).shortSide(0),
                    console);
            DataSpec data = DataSpec.shards(shards, prepared.manifest(), 0, 0, 28, Augmentation.NONE, 1.0);
            TrainConfig config = TrainConfig.builder().data(data).model("resnet8").epochs(1).keepCheckpoints(1)
                    .build();
            String run = work.resolve("run").toString();
            new TrainJob(jsc, config, new TrainJob.RunOptions(run, false, 0), console).run();
            String model = run + "/model.zip";
            String onnx = work.resolve("model.onnx").toString();
            ExportJob.run(new ExportJob.Options(model, "onnx", onnx, null, 0), new Configuration());
            SparkSession spark = SparkSession.builder().config(jsc.getConf()).getOrCreate();
            PrintStream quiet = new PrintStream(new ByteArrayOutputStream());

            // each repetition runs the four jobs in a rotated order, so that none always follows evaluate
            Map<String, Job> jobs = new LinkedHashMap<>();
            double[] evaluateTop1 = new double[1];
            PredictJob.Result[] shardResult = new PredictJob.Result[1];
            jobs.put("evaluate shards (batch 256)", () -> evaluateTop1[0] = EvaluateJob.run(jsc, model, data, 2,
                    EvaluateJob.Settings.DEFAULT_BATCH_SIZE).top1());
            jobs.put("predict shards (batch 256)", () -> shardResult[0] = predict(spark, model, "imagenet:" + shards,
                    work.resolve("p-shards"), PredictJob.Settings.DEFAULT_BATCH_SIZE, quiet));
            PredictJob.Result[] onnxResult = new PredictJob.Result[1];
            jobs.put("predict shards, ONNX Runtime (batch 256)", () -> onnxResult[0] = predict(spark, onnx,
                    "imagenet:" + shards, work.resolve("p-onnx"), PredictJob.Settings.DEFAULT_BATCH_SIZE, quiet));
            jobs.put("predict shards (batch 64)", () -> predict(spark, model, "imagenet:" + shards,
                    work.resolve("p-shards-64"), 64, quiet));
            jobs.put("predict JPEG files (batch 256)", () -> predict(spark, model, "images:" + ilsvrc + "/val",
                    work.resolve("p-files"), PredictJob.Settings.DEFAULT_BATCH_SIZE, quiet));
            List<String> names = new ArrayList<>(jobs.keySet());
            Map<String, List<Double>> seconds = new LinkedHashMap<>();
            names.forEach(name -> seconds.put(name, new ArrayList<>()));
            for (int rep = 0; rep < reps; rep++) {
                for (int j = 0; j < names.size(); j++) {
                    String name = names.get((rep + j) % names.size());
                    long t = System.nanoTime();
                    jobs.get(name).run();
                    seconds.get(name).add((System.nanoTime() - t) / 1e9);
                }
            }

            long scored = shardResult[0].images();
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("model", "resnet8 trained 1 epoch on " + trainImages + " Fashion-MNIST JPEGs, 28x28");
            result.put("images", scored);
            result.put("repetitions", reps);
            result.put("cores", Runtime.getRuntime().availableProcessors());
            Map<String, Object> rates = new LinkedHashMap<>();
            seconds.forEach((name, samples) -> {
                double median = BenchResults.median(samples);
                Map<String, Object> rate = new LinkedHashMap<>();
                rate.put("seconds", median);
                rate.put("imagesPerSecond", scored / median);
                rates.put(name, rate);
            });
            result.put("jobs", rates);
            result.put("evaluateTop1", evaluateTop1[0]);
            result.put("predictTop1", shardResult[0].top1());
            result.put("top1Equal", evaluateTop1[0] == shardResult[0].top1());
            result.put("onnxTop1", onnxResult[0].top1());
            BenchResults.write(outDir.resolve("predict.json"), Json.write(result));
            BenchResults.write(outDir.resolve("predict.md"), markdown(result, rates));
            console.println(markdown(result, rates));
        }
    }

    /** One measured job. */
    @FunctionalInterface
    private interface Job {
        void run() throws Exception;
    }

    private static PredictJob.Result predict(SparkSession spark, String model, String data, Path out, int batch,
                                             PrintStream console) throws Exception {
        return PredictJob.run(spark, PredictJob.Settings.builder().model(model).data(data).out(out.toString())
                .batchSize(batch).overwrite(true).build(), console);
    }

    @SuppressWarnings("unchecked")
    private static String markdown(Map<String, Object> r, Map<String, Object> rates) {
        StringBuilder rows = new StringBuilder();
        double evaluate = 0;
        for (Map.Entry<String, Object> e : rates.entrySet()) {
            double rate = (double) ((Map<String, Object>) e.getValue()).get("imagesPerSecond");
            if (evaluate == 0) {
                evaluate = rate;
            }
            rows.append(String.format("| %s | %.1f | %.0f | %.2f |%n", e.getKey(),
                    (double) ((Map<String, Object>) e.getValue()).get("seconds"), rate, rate / evaluate));
        }
        return String.format("""
                # predict against evaluate on the same images

                %s; %s validation images; Spark `local[2]`, %s cores;
                median of %s runs of each job in a rotating order, timed whole (model load, listing, scoring; predict
                also writes its two Parquet tables and counts them from its cache).

                | job | seconds | images/s | vs evaluate |
                | --- | --- | --- | --- |
                %s
                Top-1 on the shards: evaluate %.4f, predict %.4f (equal: %s), predict with the ONNX export in ONNX
                Runtime %.4f.
                """, r.get("model"), r.get("images"), r.get("cores"), r.get("repetitions"), rows,
                (double) r.get("evaluateTop1"), (double) r.get("predictTop1"), r.get("top1Equal"),
                (double) r.get("onnxTop1"));
    }
}
