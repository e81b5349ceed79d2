package ai.synergy.bench;

import ai.synergy.config.Json;
import ai.synergy.dataset.Augmentation;
import ai.synergy.dataset.DataSpec;
import ai.synergy.jobs.ConvertJob;
import ai.synergy.jobs.PrepareJob;
import ai.synergy.jobs.TrainJob;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.nd4j.Nd4jRuntime;
import ai.synergy.prepare.PrepareOptions;
import ai.synergy.prepare.ShardManifest;
import ai.synergy.spark.SparkContexts;
import ai.synergy.training.TrainConfig;
import org.apache.commons.io.FileUtils;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark (not a test) and the end-to-end acceptance run: Fashion-MNIST converted to the ILSVRC layout
 * as real JPEG files, {@code prepare}d into shards, then trained through the JPEG path ({@code imagenet:} data, 28x28,
 * no augmentation, full-image evaluation) next to the IDX path, same model, settings and epochs, in one run.
 * The JPEG path must reach the IDX path's test top-1 minus one point. Writes {@code imagenet-path.{json,md}}.
 *
 * <p>Usage: {@code bench/imagenet-path.sh [epochs] [work folder]}.
 */
public final class ImagenetPathBench {
    private ImagenetPathBench() {
    }

    public static void main(String[] args) throws Exception {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        Path work = Path.of(args.length > 1 ? args[1] : "/tmp/synergy-imagenet-path");
        Path outDir = Path.of(args.length > 2 ? args[2] : "bench/results");
        if (Files.exists(work)) {
            FileUtils.deleteDirectory(work.toFile());
        }
        Nd4jRuntime.enableLayerHelpers();
        PrintStream console = System.out;
        ConvertJob.Result converted = ConvertJob.run(ConvertJob.Options.of(DataSpec.FASHION_MNIST_DIR,
                work.resolve("ilsvrc").toUri().toString()), new Configuration());
        console.printf("converted %d + %d images in %.1f s%n", converted.train(), converted.val(), converted.seconds());
        try (JavaSparkContext jsc = SparkContexts.start("synergy-bench-imagenet-path", 2)) {
            String shards = work.resolve("shards").toUri().toString();
            PrepareJob.Result prepared = PrepareJob.run(jsc, new PrepareOptions(work.resolve("ilsvrc").toUri()
                    .toString(), shards, 4, 0, 0.9, 42, List.of("train", "val"), null, null, null), console);
            console.printf("prepared in %.1f s%n", prepared.seconds());

            DataSpec idx = DataSpec.fashionMnist(null, 0, 0);
            DataSpec jpeg = DataSpec.shards(shards, prepared.manifest(), 0, 0, 28, Augmentation.NONE, 1.0);
            EpochMetrics idxResult = train(jsc, idx, epochs, work.resolve("run-idx"), console);
            EpochMetrics jpegResult = train(jsc, jpeg, epochs, work.resolve("run-jpeg"), console);

            Map<String, Object> result = new LinkedHashMap<>();
            result.put("model", "resnet8, 2 workers, batch 64, averaging 5, onecycle lr 0.2, seed 42");
            result.put("epochs", epochs);
            result.put("convertSeconds", converted.seconds());
            result.put("prepareSeconds", prepared.seconds());
            ShardManifest.Report report = prepared.manifest().report();
            result.put("imagesPrepared", report.imagesWritten());
            result.put("idxTop1", idxResult.testTop1());
            result.put("jpegTop1", jpegResult.testTop1());
            result.put("jpegMinusIdxTop1", jpegResult.testTop1() - idxResult.testTop1());
            result.put("acceptance", jpegResult.testTop1() >= idxResult.testTop1() - 0.01 ? "pass" : "FAIL");
            result.put("idxImagesPerSecond", idxResult.imagesPerSecond());
            result.put("jpegImagesPerSecond", jpegResult.imagesPerSecond());
            result.put("jpegToIdxThroughput", jpegResult.imagesPerSecond() / idxResult.imagesPerSecond());
            BenchResults.write(outDir.resolve("imagenet-path.json"), Json.write(result));
            BenchResults.write(outDir.resolve("imagenet-path.md"), markdown(result));
            console.println(markdown(result));
        }
    }

    private static EpochMetrics train(JavaSparkContext jsc, DataSpec data, int epochs, Path out, PrintStream console)
            throws Exception {
        TrainConfig config = TrainConfig.builder().data(data).model("resnet8").epochs(epochs).keepCheckpoints(1)
                .build();
        List<EpochMetrics> metrics = new TrainJob(jsc, config, new TrainJob.RunOptions(out.toString(), false, 0),
                console).run().metrics();
        return metrics.get(metrics.size() - 1);
    }

    private static String markdown(Map<String, Object> r) {
        return String.format("""
                # The ImageNet path end to end on Fashion-MNIST: JPEG shards vs IDX

                Fashion-MNIST converted to the ILSVRC-2012 layout (greyscale JPEG, quality 0.95), prepared into 4 shards
                per split (%s images, %.1f s; conversion %.1f s), then trained through `--data imagenet:` (28x28, no
                augmentation, full-image evaluation) and through the IDX path, %s, %s epochs each, in one run.

                | path | test top-1 | images/s |
                | --- | --- | --- |
                | IDX (`--data fashion-mnist`) | %.4f | %.0f |
                | JPEG shards (`--data imagenet:`) | %.4f | %.0f |

                JPEG minus IDX top-1: **%+.4f** (acceptance: >= -0.01: %s). JPEG/IDX throughput: %.2f.
                """, r.get("imagesPrepared"), (double) r.get("prepareSeconds"), (double) r.get("convertSeconds"),
                r.get("model"), r.get("epochs"), (double) r.get("idxTop1"), (double) r.get("idxImagesPerSecond"),
                (double) r.get("jpegTop1"), (double) r.get("jpegImagesPerSecond"), (double) r.get("jpegMinusIdxTop1"),
                r.get("acceptance"), (double) r.get("jpegToIdxThroughput"));
    }
}
