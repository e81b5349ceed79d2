package ai.synergy.sharding;

import ai.synergy.cli.SynergyCli;
import ai.synergy.config.InvalidInputException;
import ai.synergy.data.shard.ShardIndex;
import ai.synergy.jobs.PrepareJob;
import ai.synergy.spark.SparkContexts;
import ai.synergy.testing.IlsvrcTree;
import ai.synergy.testing.LocalSparkTest;
import ai.synergy.training.DataSpec;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Shards changed after {@code prepare} are refused when a job loads them, with one line naming the file and what is
 * wrong ({@code --verify-shards}: index checksums and tar sizes by default, tar checksums on request), and an image
 * that does not decode while training ends the run with one line and exit code 2.
 */
class ShardIntegrityTest extends LocalSparkTest {
    private static final int WORKERS = 2;
    private static final int CLASSES = 3;

    static Path prepared;
    static ShardManifest manifest;

    @BeforeAll
    static void prepare() throws IOException {
        IlsvrcTree tree = IlsvrcTree.write(dir.resolve("ilsvrc"),
                IlsvrcTree.Options.of(CLASSES, 8, 8, 3).withoutOddFiles());
        prepared = dir.resolve("shards");
        manifest = PrepareJob.run(jsc, new PrepareOptions(tree.root().toUri().toString(),
                prepared.toUri().toString(), 4, 32, 0.9, 1, List.of("train", "val"), null, null, null),
                new PrintStream(new ByteArrayOutputStream())).manifest();
    }

    /** A fresh copy of the prepared shards, to damage. */
    private static Path copy(String name) throws IOException {
        Path copy = dir.resolve(name);
        FileUtils.copyDirectory(prepared.toFile(), copy.toFile());
        return copy;
    }

    private static DataSpec data(Path shards, ShardCheck check) {
        return DataSpec.shards(shards.toUri().toString(), manifest, 0, 0, 16, Augmentation.NONE, 1.0)
                .withShardCheck(check);
    }

    private static void load(Path shards, ShardCheck check) {
        ShardedDataset.load(jsc, data(shards, check), WORKERS).release();
    }

    private static String shardUri(Path shards, String file) {
        return shards.resolve(file).toUri().toString().replace("file:///", "file:/");
    }

    @Test
    void untouchedShardsPassEveryCheck() {
        for (ShardCheck check : ShardCheck.values()) {
            load(prepared, check);
        }
    }

    @Test
    void relabelledIndexIsRefusedNamingTheIndexFile() throws IOException {
        Path shards = copy("relabelled");
        Path index = shards.resolve("train-00001-of-00004.tar.idx");
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(index)) {
            String[] f = line.split("\t");
            f[1] = Integer.toString((Integer.parseInt(f[1]) + 1) % CLASSES);
            lines.add(String.join("\t", f));
        }
        Files.write(index, lines);

        assertThatThrownBy(() -> load(shards, ShardCheck.INDEX)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--data: " + shardUri(shards, "train-00001-of-00004.tar.idx")
                        + " does not match manifest.json (sha-256 ")
                .hasMessageEndingWith(
                        "): the shards were changed after prepare; rerun prepare")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        load(shards, ShardCheck.NONE); // trusted as asked
    }

    @Test
    void randomBytesInAnIndexAreRefused() throws IOException {
        Path shards = copy("scrambled");
        Path index = shards.resolve("val-00002-of-00004.tar.idx");
        byte[] bytes = Files.readAllBytes(index);
        for (int i = 10; i < 30; i++) {
            bytes[i] = (byte) (i * 37);
        }
        Files.write(index, bytes);
        assertThatThrownBy(() -> load(shards, ShardCheck.INDEX)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(shardUri(shards, "val-00002-of-00004.tar.idx") + " does not match manifest.json");
    }

    @Test
    void aTruncatedOrMissingTarIsRefused() throws IOException {
        Path shards = copy("truncated");
        Path tar = shards.resolve("train-00003-of-00004.tar");
        long bytes = Files.size(tar);
        Files.write(tar, Arrays.copyOf(Files.readAllBytes(tar), (int) bytes - 1024));
        assertThatThrownBy(() -> load(shards, ShardCheck.INDEX)).isInstanceOf(InvalidInputException.class)
                .hasMessage("--data: " + shardUri(shards, "train-00003-of-00004.tar") + " is " + (bytes - 1024)
                        + " bytes but manifest.json says " + bytes
                        + ": the shards were changed after prepare; rerun prepare");

        Files.delete(tar);
        assertThatThrownBy(() -> load(shards, ShardCheck.INDEX)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(shardUri(shards, "train-00003-of-00004.tar") + " is missing");
    }

    @Test
    void sameSizeDamageToATarIsFoundByTheFullCheck() throws IOException {
        Path shards = copy("overwritten");
        damageEveryImage(shards.resolve("val-00001-of-00004.tar"));
        load(shards, ShardCheck.INDEX); // the cheap check sees the right size
        assertThatThrownBy(() -> load(shards, ShardCheck.FULL)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--data: " + shardUri(shards, "val-00001-of-00004.tar")
                        + " does not match manifest.json (sha-256 ");
    }

    @Test
    void aManifestWithoutSizesOrChecksumsIsRefusedUnlessUnchecked() throws IOException {
        Path shards = copy("no-checksums");
        Path file = shards.resolve(ShardManifest.FILE);
        Files.writeString(file, Files.readString(file).replaceAll("\"bytes\" : \\d+,", "")
                .replaceAll("\"indexSha256\" : \"[0-9a-f]+\",", ""));
        assertThatThrownBy(() -> load(shards, ShardCheck.INDEX)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("manifest.json lists no size or checksums for train-00000-of-00004.tar")
                .hasMessageContaining("--verify-shards none");
        load(shards, ShardCheck.NONE);
    }

    @Test
    void trainOnChangedShardsExitsWithOneLineNamingTheFile() throws IOException {
        Path shards = copy("relabelled-cli");
        Path index = shards.resolve("train-00001-of-00004.tar.idx");
        Files.writeString(index, Files.readString(index).replaceFirst("\t0\t", "\t1\t"));
        Cli cli = train(shards);
        assertThat(cli.code()).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(cli.err().lines().toList()).singleElement().asString()
                .startsWith("synergy: error: --data: " + shardUri(shards, "train-00001-of-00004.tar.idx")
                        + " does not match manifest.json");

        Cli typo = train(shards, "--verify-shards", "most");
        assertThat(typo.code()).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(typo.err()).startsWith("synergy: error: --verify-shards: unknown check 'most'");
    }

    @Test
    void anImageThatDoesNotDecodeEndsTrainingWithOneLineAndExitCode2() throws IOException {
        Path shards = copy("undecodable");
        damageEveryImage(shards.resolve("train-00000-of-00004.tar")); // worker 0's shards: its first batch fails
        damageEveryImage(shards.resolve("train-00002-of-00004.tar"));
        Cli cli = train(shards);
        assertThat(cli.code()).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(cli.err().lines().toList()).singleElement().asString()
                .matches("synergy: error: --data: " + Pattern.quote(shardUri(shards, ""))
                        + "train-0000[02]-of-00004\\.tar: image \\S+ does not decode \\(NOT_AN_IMAGE: .*\\): "
                        + "the shard is damaged; rerun prepare");
    }

    @Test
    void aShardCutShortIsNamedWhenItsImagesAreRead() throws IOException {
        Path shards = copy("cut-short");
        Path tar = shards.resolve("val-00000-of-00004.tar");
        Files.write(tar, Arrays.copyOf(Files.readAllBytes(tar), 700));
        ShardResult shard = manifest.splits().get("val").shards().get(0);
        JpegShards worker = new LoadJpegShards(shards.toUri().toString(), List.of(shard), 1, 0, "cut", ShardCheck.NONE,
                new org.apache.spark.util.SerializableConfiguration(jsc.hadoopConfiguration())).call(0);
        try (BatchSource source = worker.open(new BatchSpec(CLASSES, 16, Augmentation.NONE, 1.0))) {
            assertThatThrownBy(() -> source.evaluationBatch(0, worker.count()))
                    .isInstanceOf(DamagedShardException.class)
                    .hasMessageStartingWith("--data: " + shardUri(shards, "val-00000-of-00004.tar") + " ends before image ");
        }
    }

    @Test
    void aDamagedShardCarriesNoStackTraceForSparkToLog() {
        assertThat(new DamagedShardException("--data: x").getStackTrace()).isEmpty();
    }

    /** Overwrites the first bytes of every image in a tar (same size): not a JPEG any more. */
    private static void damageEveryImage(Path tar) throws IOException {
        byte[] bytes = Files.readAllBytes(tar);
        ShardIndex index = ShardIndex.parse(Files.readAllBytes(Path.of(tar + ShardIndex.SUFFIX)), "idx");
        for (ShardIndex.Entry e : index.entries()) {
            Arrays.fill(bytes, (int) e.offset(), (int) e.offset() + 16, (byte) 'A');
        }
        Files.write(tar, bytes);
    }

    private record Cli(int code, String err) {
    }

    private static Cli train(Path shards, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", "imagenet:" + shards.toUri(), "--image-size",
                "16", "--epochs", "1", "--workers", String.valueOf(WORKERS), "--batch-size", "4",
                "--averaging-frequency", "1", "--out", dir.resolve("run-" + shards.getFileName()).toString()));
        args.addAll(List.of(extra));
        StringWriter err = new StringWriter();
        int code = SparkContexts.runOn(jsc, () -> SynergyCli.execute(new PrintWriter(new StringWriter()),
                new PrintWriter(err, true), args.toArray(new String[0])));
        return new Cli(code, err.toString());
    }
}
