package ai.synergy.jobs;

import ai.synergy.config.InvalidInputException;
import ai.synergy.data.image.ImageDecoder;
import ai.synergy.data.image.RgbImage;
import ai.synergy.data.shard.ShardIndex;
import ai.synergy.sharding.PrepareOptions;
import ai.synergy.sharding.ShardManifest;
import ai.synergy.sharding.ShardResult;
import ai.synergy.sharding.SkippedFile;
import ai.synergy.testing.IlsvrcTree;
import ai.synergy.testing.LocalSparkTest;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PrepareJobTest extends LocalSparkTest {
    private static final int SHARDS = 3;
    private static final int SHORT_SIDE = 48;

    private static IlsvrcTree tree;
    private static ShardManifest manifest;
    private static Path out;

    @BeforeAll
    static void prepareOnce() throws IOException {
        tree = IlsvrcTree.write(dir.resolve("ilsvrc"), 4, 8, 9, 11);
        out = dir.resolve("shards");
        manifest = PrepareJob.run(jsc, options(tree.root(), out, 7), quiet()).manifest();
    }

    private static PrepareOptions options(Path input, Path output, long seed) {
        return new PrepareOptions(input.toUri().toString(), output.toUri().toString(), SHARDS, SHORT_SIDE, 0.9, seed,
                List.of("train", "val"), null, null, null);
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    @Test
    void manifestCountsEveryImageAndEveryBadFileExactly() {
        assertThat(manifest.format()).isEqualTo(ShardManifest.FORMAT);
        assertThat(manifest.classes()).extracting(c -> c.wnid()).containsExactlyElementsOf(tree.wnids());
        assertThat(manifest.classes()).extracting(c -> c.name()).containsExactlyElementsOf(tree.names());
        assertThat(manifest.splits().get("train").images()).isEqualTo(tree.expectedGoodTrain());
        assertThat(manifest.splits().get("val").images()).isEqualTo(tree.expectedGoodVal());
        assertThat(manifest.report().imagesWritten()).isEqualTo(tree.expectedGoodTrain() + tree.expectedGoodVal());
        assertThat(manifest.report().filesListed()).isEqualTo(tree.files().size());

        Map<String, String> expectedSkips = new TreeMap<>();
        tree.bad().forEach(e -> expectedSkips.put(e.path(), e.fate().name()));
        Map<String, String> skips = new TreeMap<>();
        manifest.report().skipped().forEach(s -> skips.put(s.file(), s.reason()));
        assertThat(skips).isEqualTo(expectedSkips);
        assertThat(manifest.report().skippedByReason()).containsEntry("EMPTY", 1).containsEntry("NOT_AN_IMAGE", 1)
                .containsEntry("TRUNCATED", 1).containsEntry("NO_LABEL", 1);
        // the PNG named .JPEG is kept and reported as what it is
        assertThat(manifest.report().formatsFound()).containsEntry("png", 1);

        List<Integer> perClass = new ArrayList<>(List.of(0, 0, 0, 0));
        tree.goodTrain().forEach(e -> perClass.set(e.label(), perClass.get(e.label()) + 1));
        assertThat(manifest.splits().get("train").imagesPerClass()).isEqualTo(perClass);
        assertThat(manifest.trainStatistics().mean()).hasSize(3).allSatisfy(m -> assertThat(m).isBetween(0.05, 0.95));
        assertThat(manifest.options().shards()).isEqualTo(SHARDS);
        assertThat(Files.exists(out.resolve("_prepare"))).as("work folder removed").isFalse();
    }

    @Test
    void shardsAreBalancedAndClassStratified() {
        for (String split : List.of("train", "val")) {
            List<ShardResult> shards = manifest.splits().get(split).shards();
            assertThat(shards).hasSize(SHARDS);
            IntSummary sizes = IntSummary.of(shards.stream().mapToInt(ShardResult::images).toArray());
            assertThat(sizes.max - sizes.min).as(split + " shard sizes").isLessThanOrEqualTo(1);
            for (int c = 0; c < 4; c++) {
                int k = c;
                IntSummary perClass = IntSummary.of(shards.stream().mapToInt(s -> s.imagesPerClass().get(k)).toArray());
                assertThat(perClass.max - perClass.min).as(split + " class " + c).isLessThanOrEqualTo(1);
            }
        }
    }

    @Test
    void reportShowsTheShardsBalanceAndTheSkippedFiles() throws IOException {
        String report = Files.readString(out.resolve("report.md"));
        int train = tree.expectedGoodTrain();
        assertThat(report).contains("# Prepared shards: ", "classes in 3 shards per split", "](shards.png)",
                "| train | " + train + " | 3 | " + (train / 3) + "-" + ((train + 2) / 3) + " |",
                "NOT_AN_IMAGE=1", "\"shards\" : 3");
        assertThat(Files.size(out.resolve("shards.png"))).isGreaterThan(1000);
    }

    private record IntSummary(int min, int max) {
        static IntSummary of(int[] values) {
            return new IntSummary(Arrays.stream(values).min().orElse(0), Arrays.stream(values).max().orElse(0));
        }
    }

    @Test
    void everyImageKeepsItsLabelAndIsDownscaledAndIndexed() throws Exception {
        Map<String, IlsvrcTree.Entry> byKey = new HashMap<>();
        Stream.concat(tree.goodTrain().stream(), tree.goodVal().stream())
                .forEach(e -> byKey.put(e.fileName().substring(0, e.fileName().lastIndexOf('.')), e));
        int seen = 0;
        for (String split : List.of("train", "val")) {
            for (ShardResult shard : manifest.splits().get(split).shards()) {
                byte[] tar = Files.readAllBytes(out.resolve(shard.file()));
                assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(tar)))
                        .isEqualTo(shard.sha256());
                assertThat((long) tar.length).isEqualTo(shard.bytes());
                ShardIndex index = ShardIndex.parse(Files.readAllBytes(out.resolve(shard.indexFile())), "idx");
                assertThat(index.size()).isEqualTo(shard.images());
                Map<String, Integer> labels = readTar(tar);
                for (ShardIndex.Entry e : index.entries()) {
                    IlsvrcTree.Entry source = byKey.get(e.key());
                    assertThat(source).as("source of " + e.key()).isNotNull();
                    assertThat(e.label()).as(e.key()).isEqualTo(source.label());
                    assertThat(labels.get(e.key())).isEqualTo(source.label());
                    RgbImage image = ImageDecoder.decode(Arrays.copyOfRange(tar, (int) e.offset(),
                            (int) e.offset() + e.length()));
                    assertThat(Math.min(image.width(), image.height())).isLessThanOrEqualTo(SHORT_SIDE);
                    if (source.kind() != IlsvrcTree.Kind.GREY_JPEG) {
                        assertThat(tree.nearestClass(meanRgb(image))).as("colour of " + e.key())
                                .isEqualTo(source.label());
                    }
                    seen++;
                }
            }
        }
        assertThat(seen).isEqualTo(byKey.size());
    }

    private static Map<String, Integer> readTar(byte[] tar) throws IOException {
        Map<String, Integer> labels = new HashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new java.io.ByteArrayInputStream(tar))) {
            TarArchiveEntry entry;
            while ((entry = in.getNextTarEntry()) != null) {
                if (entry.getName().endsWith(".cls")) {
                    labels.put(entry.getName().substring(0, entry.getName().length() - 4),
                            Integer.parseInt(new String(in.readAllBytes(), StandardCharsets.US_ASCII)));
                }
            }
        }
        return labels;
    }

    static double[] meanRgb(RgbImage image) {
        double[] mean = new double[3];
        byte[] rgb = image.rgb();
        for (int i = 0; i < rgb.length; i++) {
            mean[i % 3] += rgb[i] & 0xFF;
        }
        for (int c = 0; c < 3; c++) {
            mean[c] /= rgb.length / 3.0;
        }
        return mean;
    }

    @Test
    void sameSeedGivesIdenticalShardsAndAnotherSeedAnotherAssignment() throws IOException {
        Path again = dir.resolve("again");
        ShardManifest second = PrepareJob.run(jsc, options(tree.root(), again, 7), quiet()).manifest();
        assertThat(checksums(second)).isEqualTo(checksums(manifest));
        Path other = dir.resolve("other-seed");
        ShardManifest third = PrepareJob.run(jsc, options(tree.root(), other, 8), quiet()).manifest();
        assertThat(checksums(third)).isNotEqualTo(checksums(manifest));
        assertThat(third.splits().get("train").images()).isEqualTo(manifest.splits().get("train").images());
    }

    private static List<String> checksums(ShardManifest m) {
        return m.splits().values().stream().flatMap(s -> s.shards().stream()).map(ShardResult::sha256).toList();
    }

    @Test
    void aKilledRunResumesToTheSameOutputAndAnotherRunIsRefused() throws IOException {
        Path partial = dir.resolve("partial");
        PrepareJob.Result killed = PrepareJob.run(jsc, options(tree.root(), partial, 7), quiet(), 2);
        assertThat(killed.manifest()).isNull();
        assertThat(Files.exists(partial.resolve(ShardManifest.FILE))).isFalse();
        // a task killed mid-write leaves its temporary file behind
        Files.writeString(partial.resolve("_prepare/tmp/train-00002-of-00003.tar.attempt-99"), "half a shard");

        Map<String, Long> before = listing(partial);
        PrepareOptions other = options(tree.root(), partial, 8);
        assertThatThrownBy(() -> PrepareJob.run(jsc, other, quiet()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--output").hasMessageContaining("unfinished prepare run with other options");
        assertThat(listing(partial)).as("a refused run changes nothing").isEqualTo(before);

        PrepareJob.Result resumed = PrepareJob.run(jsc, options(tree.root(), partial, 7), quiet());
        assertThat(resumed.resumed()).isTrue();
        assertThat(resumed.shardsKept()).isEqualTo(2);
        assertThat(checksums(resumed.manifest())).isEqualTo(checksums(manifest));
        assertThat(Files.exists(partial.resolve("_prepare"))).isFalse();

        assertThatThrownBy(() -> PrepareJob.run(jsc, options(tree.root(), partial, 7), quiet()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("already holds a prepared data set");
    }

    private static Map<String, Long> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).collect(Collectors.toMap(p -> dir.relativize(p).toString(),
                    p -> p.toFile().length(), (a, b) -> a, TreeMap::new));
        }
    }

    @Test
    void groundTruthFileGivesTheSameValidationLabelsAsTheCsv() throws IOException {
        Path copy = dir.resolve("gt-only");
        org.apache.commons.io.FileUtils.copyDirectory(tree.root().toFile(), copy.toFile());
        Files.delete(copy.resolve(IlsvrcTree.VAL_SOLUTION));
        PrepareOptions valOnly = new PrepareOptions(copy.toUri().toString(), dir.resolve("gt-out").toUri().toString(),
                SHARDS, SHORT_SIDE, 0.9, 7, List.of("val"), null, null, null);
        ShardManifest fromTxt = PrepareJob.run(jsc, valOnly, quiet()).manifest();
        assertThat(fromTxt.splits().keySet()).containsExactly("val");
        assertThat(fromTxt.splits().get("val").imagesPerClass())
                .isEqualTo(manifest.splits().get("val").imagesPerClass());
        assertThat(checksums(fromTxt)).isEqualTo(manifest.splits().get("val").shards().stream()
                .map(ShardResult::sha256).toList());
    }

    @Test
    void symbolicLinksAreSkippedAndReportedNeverPacked() throws IOException {
        Path linked = dir.resolve("linked");
        org.apache.commons.io.FileUtils.copyDirectory(tree.root().toFile(), linked.toFile());
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path secret = Files.writeString(outside.resolve("secret.txt"), "TOP-SECRET system file\n");
        IlsvrcTree.Entry good = tree.goodTrain().get(0);
        Path photo = Files.copy(tree.path(good), outside.resolve("photo.JPEG"));
        String wnid0 = tree.wnids().get(0);
        String wnid1 = tree.wnids().get(1);
        String wnid3 = tree.wnids().get(3);
        Files.createSymbolicLink(linked.resolve("train/" + wnid0 + "/" + wnid0 + "_900.JPEG"), secret);
        Files.createSymbolicLink(linked.resolve("train/" + wnid1 + "/" + wnid1 + "_901.JPEG"), photo);
        Files.createSymbolicLink(linked.resolve("val/ILSVRC2012_val_00000099.JPEG"), secret);
        // a whole class folder linked from elsewhere: its images are not packed either
        Path movedClass = dir.resolve("elsewhere-" + wnid3);
        Files.move(linked.resolve("train/" + wnid3), movedClass);
        Files.createSymbolicLink(linked.resolve("train/" + wnid3), movedClass);

        Path shards = dir.resolve("linked-shards");
        ShardManifest result = PrepareJob.run(jsc, options(linked, shards, 7), quiet()).manifest();

        Map<String, String> links = new TreeMap<>();
        result.report().skipped().stream().filter(s -> s.reason().equals("SYMLINK"))
                .forEach(s -> links.put(s.file(), s.detail()));
        assertThat(links).containsOnlyKeys("train/" + wnid0 + "/" + wnid0 + "_900.JPEG",
                "train/" + wnid1 + "/" + wnid1 + "_901.JPEG", "val/ILSVRC2012_val_00000099.JPEG", "train/" + wnid3);
        assertThat(links.get("train/" + wnid3)).startsWith("symbolic link to folder " + movedClass + ";");
        assertThat(links.get("val/ILSVRC2012_val_00000099.JPEG")).startsWith("symbolic link to " + secret + ";");
        long class3 = tree.goodTrain().stream().filter(e -> e.label() == 3).count();
        assertThat(result.splits().get("train").images()).isEqualTo(tree.expectedGoodTrain() - class3);
        assertThat(result.splits().get("train").imagesPerClass().get(3)).isZero();
        assertThat(result.splits().get("val").images()).isEqualTo(tree.expectedGoodVal());
        assertThat(result.report().skippedByReason()).containsEntry("SYMLINK", 4);
        long underClass3 = tree.files().stream().filter(e -> e.path().startsWith("train/" + wnid3 + "/")).count();
        assertThat(result.report().filesListed()).isEqualTo(tree.files().size() - underClass3 + 4);
        assertThat(Files.readString(shards.resolve(ShardManifest.FILE))).doesNotContain("TOP-SECRET");
        assertThat(Files.readString(shards.resolve("report.md"))).doesNotContain("TOP-SECRET");
    }

    @Test
    void aLinkedSplitFolderOrLabelFileInTheRootIsRefused() throws IOException {
        Path linked = dir.resolve("linked-root");
        org.apache.commons.io.FileUtils.copyDirectory(tree.root().toFile(), linked.toFile());
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere-root"));
        Files.move(linked.resolve(IlsvrcTree.SYNSET_MAPPING), elsewhere.resolve(IlsvrcTree.SYNSET_MAPPING));
        Files.createSymbolicLink(linked.resolve(IlsvrcTree.SYNSET_MAPPING),
                elsewhere.resolve(IlsvrcTree.SYNSET_MAPPING));
        assertThatThrownBy(() -> PrepareJob.run(jsc, options(linked, dir.resolve("o-links-1"), 7), quiet()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--input: ").hasMessageContaining(IlsvrcTree.SYNSET_MAPPING
                        + " is a symbolic link (to " + elsewhere.resolve(IlsvrcTree.SYNSET_MAPPING) + ")")
                .hasMessageEndingWith("pass it with --synsets");

        Files.delete(linked.resolve(IlsvrcTree.SYNSET_MAPPING));
        Files.move(elsewhere.resolve(IlsvrcTree.SYNSET_MAPPING), linked.resolve(IlsvrcTree.SYNSET_MAPPING));
        Files.move(linked.resolve("val"), elsewhere.resolve("val"));
        Files.createSymbolicLink(linked.resolve("val"), elsewhere.resolve("val"));
        assertThatThrownBy(() -> PrepareJob.run(jsc, options(linked, dir.resolve("o-links-2"), 7), quiet()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("/val is a symbolic link (to " + elsewhere.resolve("val") + ")");
    }

    @Test
    void missingOrEmptyInputsFailAtOnceNamingTheFlag() throws IOException {
        Path fresh = dir.resolve("never-written");
        assertThatThrownBy(() -> PrepareJob.run(jsc, options(dir.resolve("no-such-root"), fresh, 1), quiet()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--input")
                .hasMessageContaining("does not exist");
        assertThat(fresh).as("a refused run creates no output").doesNotExist();
        Path empty = Files.createDirectories(dir.resolve("empty-root"));
        assertThatThrownBy(() -> PrepareJob.run(jsc, options(empty, dir.resolve("o2"), 1), quiet()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--input")
                .hasMessageContaining("is empty");
        IlsvrcTree noVal = IlsvrcTree.write(dir.resolve("no-val"), IlsvrcTree.Options.of(2, 2, 2, 3).withoutVal());
        assertThatThrownBy(() -> PrepareJob.run(jsc, options(noVal.root(), dir.resolve("o3"), 1), quiet()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("val is missing")
                .hasMessageContaining("--splits");

        Path foreign = Files.createDirectories(dir.resolve("foreign"));
        Files.writeString(foreign.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> PrepareJob.run(jsc, options(tree.root(), foreign, 1), quiet()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--output")
                .hasMessageContaining("not empty");
        assertThat(Files.readString(foreign.resolve("notes.txt"))).isEqualTo("mine");
    }
}
