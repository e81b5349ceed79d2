package ai.synergy.sharding;

import ai.synergy.checkpoint.HadoopFiles;
import ai.synergy.config.Json;
import ai.synergy.data.image.ImageDecoder;
import ai.synergy.data.image.RgbImage;
import ai.synergy.data.shard.ShardIndex;
import ai.synergy.jobs.PrepareJob;
import ai.synergy.testing.IlsvrcTree;
import ai.synergy.spark.SparkContexts;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A prepared data set written by the first shard format ({@code synergy-shards/1}) is committed under
 * {@code src/test/resources/golden/shards-v1}; today's code must still read it: manifest, checksums, indexes, labels and
 * pixels. Regenerate only for a new format version (into a new folder):
 * {@code mvn -pl spark-jobs test -Dtest=GoldenShardsTest -Dsynergy.golden.write=<folder>}.
 */
class GoldenShardsTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden/shards-v1");

    /** What the golden shards hold: label and mean decoded RGB per image key. */
    record Expected(Map<String, Integer> labels, Map<String, List<Double>> meanRgb) {
    }

    @Test
    void todaysCodeReadsTheFirstShardFormat() throws Exception {
        String location = GOLDEN.toAbsolutePath().toUri().toString();
        ShardManifest manifest = ShardManifest.read(HadoopFiles.of(location, new Configuration()), location, "golden");
        Expected expected = Json.read(Files.readString(GOLDEN.resolve("expected.json")), Expected.class, "expected");
        assertThat(manifest.classes()).hasSize(2);
        int seen = 0;
        for (String split : List.of("train", "val")) {
            ShardManifest.Split shards = manifest.split(split, "golden");
            for (ShardResult shard : shards.shards()) {
                byte[] tar = Files.readAllBytes(GOLDEN.resolve(shard.file()));
                assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(tar)))
                        .isEqualTo(shard.sha256());
                ShardIndex index = ShardIndex.parse(Files.readAllBytes(GOLDEN.resolve(shard.indexFile())), "idx");
                for (ShardIndex.Entry e : index.entries()) {
                    RgbImage image = ImageDecoder.decode(Arrays.copyOfRange(tar, (int) e.offset(),
                            (int) e.offset() + e.length()));
                    assertThat(e.label()).isEqualTo(expected.labels().get(e.key()));
                    double[] mean = meanRgb(image);
                    for (int c = 0; c < 3; c++) {
                        assertThat(mean[c]).as(e.key() + " channel " + c)
                                .isCloseTo(expected.meanRgb().get(e.key()).get(c), within(0.5));
                    }
                    seen++;
                }
            }
            // and through the executor-side reader, as training and evaluation use it, verifying every checksum
            JpegShards worker = new LoadJpegShards(location, shards.shards(), 1, 0, "golden", ShardCheck.FULL,
                    new SerializableConfiguration(new Configuration())).call(0);
            try (BatchSource source = worker.open(new BatchSpec(2, 16, Augmentation.NONE, 1.0))) {
                MultiDataSet batch = source.evaluationBatch(0, worker.count());
                assertThat(batch.getFeatures(0).shape()).containsExactly(worker.count(), 3, 16, 16);
                for (int i = 0; i < worker.count(); i++) {
                    assertThat(batch.getLabels(0).getFloat(i, source.label(i))).isEqualTo(1f);
                }
            }
        }
        assertThat(seen).isEqualTo(expected.labels().size());
    }

    private static double[] meanRgb(RgbImage image) {
        double[] mean = new double[3];
        byte[] rgb = image.rgb();
        for (int i = 0; i < rgb.length; i++) {
            mean[i % 3] += rgb[i] & 0xFF;
        }
        for (int c = 0; c < 3; c++) {
            mean[c] = Math.round(mean[c] / (rgb.length / 3.0) * 100) / 100.0;
        }
        return mean;
    }

    @Test
    @EnabledIfSystemProperty(named = "synergy.golden.write", matches = ".+")
    void writeGoldenShards(@TempDir Path tmp) throws Exception {
        Path target = Path.of(System.getProperty("synergy.golden.write"));
        IlsvrcTree tree = IlsvrcTree.write(tmp.resolve("in"), IlsvrcTree.Options.of(2, 3, 2, 1).withoutOddFiles());
        JavaSparkContext jsc = SparkContexts.start(GoldenShardsTest.class.getSimpleName(), 2);
        try {
            PrepareJob.run(jsc, new PrepareOptions(tree.root().toUri().toString(), target.toUri().toString(), 1, 32,
                    0.9, 1, List.of("train", "val"), null, null, null), new PrintStream(new ByteArrayOutputStream()));
        } finally {
            jsc.stop();
        }
        ShardManifest manifest = ShardManifest.read(HadoopFiles.of(target.toUri().toString(), new Configuration()),
                target.toUri().toString(), "golden");
        Map<String, Integer> labels = new LinkedHashMap<>();
        Map<String, List<Double>> means = new LinkedHashMap<>();
        for (ShardManifest.Split split : manifest.splits().values()) {
            for (ShardResult shard : split.shards()) {
                byte[] tar = Files.readAllBytes(target.resolve(shard.file()));
                for (ShardIndex.Entry e : ShardIndex.parse(Files.readAllBytes(target.resolve(shard.indexFile())), "idx")
                        .entries()) {
                    labels.put(e.key(), e.label());
                    double[] mean = meanRgb(ImageDecoder.decode(Arrays.copyOfRange(tar, (int) e.offset(),
                            (int) e.offset() + e.length())));
                    means.put(e.key(), List.of(mean[0], mean[1], mean[2]));
                }
            }
        }
        Files.writeString(target.resolve("expected.json"), Json.write(new Expected(labels, means)));
    }
}
