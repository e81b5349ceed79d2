package ai.synergy.jobs;

import ai.synergy.cli.ConvertCommand;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.InvalidSettingException;
import ai.synergy.data.IdxReader;
import ai.synergy.data.LabeledImages;
import ai.synergy.testing.IdxFixtures;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

/** {@code convert}: IDX in, an exact ILSVRC-2012 "LOC" layout of greyscale JPEGs out, faithful to the pixels. */
class ConvertJobTest {
    private static final Configuration CONF = new Configuration();
    private static final List<String> WNIDS = IntStream.range(0, 10)
            .mapToObj(k -> String.format("n%08d", 1000 + k)).toList();

    @TempDir
    Path tmp;

    @Test
    void writesTheIlsvrcLayoutWithOneJpegPerIdxImage() throws IOException {
        Path idx = IdxFixtures.write(tmp.resolve("idx"), 60, 20, 7);
        LabeledImages train = IdxReader.read(idx.resolve("train-images-idx3-ubyte.gz"),
                idx.resolve("train-labels-idx1-ubyte.gz"));
        LabeledImages test = IdxReader.read(idx.resolve("t10k-images-idx3-ubyte.gz"),
                idx.resolve("t10k-labels-idx1-ubyte.gz"));
        Path out = tmp.resolve("ilsvrc");

        ConvertJob.Result result = ConvertJob.run(ConvertJob.Options.of(idx.toUri().toString(), out.toUri().toString()),
                CONF);

        assertThat(list(out)).containsExactlyInAnyOrder("train", "val", "LOC_synset_mapping.txt",
                "LOC_val_solution.csv", "ILSVRC2012_validation_ground_truth.txt");
        assertThat(list(out.resolve("train"))).containsExactlyInAnyOrderElementsOf(WNIDS);
        assertThat(Files.readAllLines(out.resolve("LOC_synset_mapping.txt"))).containsExactly(
                "n00001000 class 0", "n00001001 class 1", "n00001002 class 2", "n00001003 class 3",
                "n00001004 class 4", "n00001005 class 5", "n00001006 class 6", "n00001007 class 7",
                "n00001008 class 8", "n00001009 class 9");

        // train: every IDX image n (1-based) is train/<wnid of its label>/<wnid>_<n>.JPEG, and nothing else
        int[] labelCounts = new int[10];
        for (int i = 0; i < 60; i++) {
            labelCounts[train.label(i)]++;
        }
        int total = 0;
        for (int k = 0; k < 10; k++) {
            String wnid = WNIDS.get(k);
            List<String> files = list(out.resolve("train").resolve(wnid));
            assertThat(files).as("class %d", k).hasSize(labelCounts[k]);
            for (String file : files) {
                assertThat(file).matches(wnid + "_[0-9]+\\.JPEG");
                int n = Integer.parseInt(file.substring(wnid.length() + 1, file.length() - 5));
                assertThat(train.label(n - 1)).as(file).isEqualTo(k);
                assertCloseToIdx(out.resolve("train").resolve(wnid).resolve(file), train, n - 1);
                total++;
            }
        }
        assertThat(total).isEqualTo(60);

        // val: ILSVRC2012_val_00000001.JPEG .. _00000020.JPEG are the IDX test images in order
        List<String> valFiles = IntStream.rangeClosed(1, 20).mapToObj(n -> String.format("ILSVRC2012_val_%08d.JPEG", n))
                .toList();
        assertThat(list(out.resolve("val"))).containsExactlyInAnyOrderElementsOf(valFiles);
        for (int i = 0; i < 20; i++) {
            assertCloseToIdx(out.resolve("val").resolve(valFiles.get(i)), test, i);
        }
        List<String> solution = Files.readAllLines(out.resolve("LOC_val_solution.csv"));
        assertThat(solution).hasSize(21);
        assertThat(solution.get(0)).isEqualTo("ImageId,PredictionString");
        List<String> groundTruth = Files.readAllLines(out.resolve("ILSVRC2012_validation_ground_truth.txt"));
        assertThat(groundTruth).hasSize(20);
        for (int i = 0; i < 20; i++) {
            assertThat(solution.get(i + 1)).isEqualTo(String.format("ILSVRC2012_val_%08d,%s 0 0 27 27", i + 1,
                    WNIDS.get(test.label(i))));
            assertThat(Integer.parseInt(groundTruth.get(i))).isEqualTo(test.label(i) + 1);
        }
        assertThat(solution.get(1)).isEqualTo("ILSVRC2012_val_00000001," + WNIDS.get(test.label(0)) + " 0 0 27 27");

        assertThat(result.train()).isEqualTo(60);
        assertThat(result.val()).isEqualTo(20);
        assertThat(result.classes()).isEqualTo(10);
        assertThat(result.trainPerClass()).containsExactlyElementsOf(IntStream.of(labelCounts).boxed().toList());
        assertThat(result.width()).isEqualTo(28);
        assertThat(result.height()).isEqualTo(28);
        assertThat(result.seconds()).isPositive();
    }

    @Test
    void limitsUpscaleAndQualityAreApplied() throws IOException {
        Path idx = IdxFixtures.write(tmp.resolve("idx"), 40, 10, 11);
        LabeledImages train = IdxReader.read(idx.resolve("train-images-idx3-ubyte.gz"),
                idx.resolve("train-labels-idx1-ubyte.gz"));
        Path fine = tmp.resolve("fine");
        Path coarse = tmp.resolve("coarse");

        ConvertJob.Result result = ConvertJob.run(new ConvertJob.Options(idx.toString(), fine.toUri().toString(), 7, 3,
                0.95, 32, List.of()), CONF);
        ConvertJob.run(new ConvertJob.Options(idx.toString(), coarse.toUri().toString(), 7, 3, 0.3, 32, List.of()),
                CONF);

        assertThat(result.train()).isEqualTo(7);
        assertThat(result.val()).isEqualTo(3);
        assertThat(result.width()).isEqualTo(32);
        assertThat(jpegs(fine.resolve("train"))).hasSize(7);
        assertThat(list(fine.resolve("val"))).containsExactlyInAnyOrder("ILSVRC2012_val_00000001.JPEG",
                "ILSVRC2012_val_00000002.JPEG", "ILSVRC2012_val_00000003.JPEG");
        assertThat(Files.readAllLines(fine.resolve("LOC_val_solution.csv")).get(1)).endsWith(" 0 0 31 31");
        assertThat(Files.readAllLines(fine.resolve("ILSVRC2012_validation_ground_truth.txt"))).hasSize(3);
        // all 10 classes are listed even when the first 7 images miss some
        assertThat(list(fine.resolve("train"))).hasSize(10);
        assertThat(Files.readAllLines(fine.resolve("LOC_synset_mapping.txt"))).hasSize(10);

        for (Path file : jpegs(fine.resolve("train"))) {
            BufferedImage image = ImageIO.read(file.toFile());
            assertThat(image.getWidth()).isEqualTo(32);
            assertThat(image.getHeight()).isEqualTo(32);
            assertThat(image.getRaster().getNumBands()).isEqualTo(1);
            // bilinear scaling keeps the mean grey level (no gamma shift through sRGB)
            int n = imageNumber(file);
            assertThat(mean(image)).as(file.toString()).isCloseTo(idxMean(train, n - 1), offset(3.0));
        }
        long fineBytes = jpegs(fine.resolve("train")).stream().mapToLong(ConvertJobTest::size).sum();
        long coarseBytes = jpegs(coarse.resolve("train")).stream().mapToLong(ConvertJobTest::size).sum();
        assertThat(coarseBytes).as("quality 0.3 vs 0.95").isLessThan(fineBytes * 3 / 4);
    }

    @Test
    void aFolderNamedFashionMnistGetsItsClassNames() throws IOException {
        Path idx = IdxFixtures.write(tmp.resolve("data").resolve("fashion-mnist"), 30, 5, 3);
        Path out = tmp.resolve("out");

        ConvertJob.run(ConvertJob.Options.of(idx.toUri().toString(), out.toString()), CONF);

        assertThat(Files.readAllLines(out.resolve("LOC_synset_mapping.txt"))).containsExactly(
                "n00001000 T-shirt/top", "n00001001 Trouser", "n00001002 Pullover", "n00001003 Dress",
                "n00001004 Coat", "n00001005 Sandal", "n00001006 Shirt", "n00001007 Sneaker", "n00001008 Bag",
                "n00001009 Ankle boot");
    }

    @Test
    void refusesANonEmptyOutputFolderAndChangesNothing() throws IOException {
        Path idx = IdxFixtures.write(tmp.resolve("idx"), 12, 4, 5);
        Path out = tmp.resolve("out");
        String outUri = out.toUri().toString();
        ConvertJob.Options options = new ConvertJob.Options(idx.toString(), outUri, 0, 0, 0.95, 0, List.of());
        ConvertJob.run(options, CONF);
        Map<String, byte[]> before = snapshot(out);
        assertThat(before).hasSize(5 + 12 + 4 + 10); // 3 label files, 2 split folders, 16 JPEGs, 10 class folders

        assertThatThrownBy(() -> ConvertJob.run(options, CONF))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--output: ")
                .hasMessageContaining(outUri)
                .hasMessageContaining("already exists and is not empty");

        Map<String, byte[]> after = snapshot(out);
        assertThat(after.keySet()).containsExactlyElementsOf(before.keySet());
        before.forEach((file, bytes) -> assertThat(after.get(file)).as(file).isEqualTo(bytes));
    }

    @Test
    void anEmptyExistingOutputFolderIsAccepted() throws IOException {
        Path idx = IdxFixtures.write(tmp.resolve("idx"), 5, 2, 5);
        Path out = Files.createDirectories(tmp.resolve("empty"));

        ConvertJob.Result result = ConvertJob.run(ConvertJob.Options.of(idx.toString(), out.toString()), CONF);

        assertThat(result.train() + result.val()).isEqualTo(7);
        assertThat(jpegs(out)).hasSize(7);
    }

    @Test
    void aMissingInputFileIsNamedAndNothingIsWritten() throws IOException {
        Path idx = IdxFixtures.write(tmp.resolve("idx"), 5, 2, 5);
        Files.delete(idx.resolve("t10k-labels-idx1-ubyte.gz"));
        Path out = tmp.resolve("out");

        assertThatThrownBy(() -> ConvertJob.run(ConvertJob.Options.of(idx.toString(), out.toString()), CONF))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--input: ")
                .hasMessageContaining(idx.resolve("t10k-labels-idx1-ubyte.gz").toString())
                .hasMessageContaining("does not exist");
        assertThat(out).doesNotExist();
    }

    @Test
    void badOptionsNameTheirSetting() {
        assertThatThrownBy(() -> new ConvertJob.Options("in", "out", 0, 0, 0.0, 0, List.of()))
                .isInstanceOf(InvalidSettingException.class).hasMessage("quality must be in (0, 1], got 0.0");
        assertThatThrownBy(() -> new ConvertJob.Options("in", "out", -1, 0, 0.95, 0, List.of()))
                .isInstanceOf(InvalidSettingException.class).hasMessage("trainLimit must be >= 0, got -1");
        assertThatThrownBy(() -> new ConvertJob.Options("in", "out", 0, 0, 0.95, -2, List.of()))
                .isInstanceOf(InvalidSettingException.class).hasMessageStartingWith("size must be 0 (keep) or 1..");
        assertThatThrownBy(() -> new ConvertJob.Options("in", " ", 0, 0, 0.95, 0, List.of()))
                .isInstanceOf(InvalidSettingException.class).hasMessageStartingWith("output must name");
    }

    @Test
    void tooFewClassNamesForTheLabelsIsBadInput() throws IOException {
        Path idx = IdxFixtures.write(tmp.resolve("idx"), 40, 5, 5);

        assertThatThrownBy(() -> ConvertJob.run(new ConvertJob.Options(idx.toString(), tmp.resolve("out").toString(),
                0, 0, 0.95, 0, List.of("a", "b")), CONF))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("has labels up to 9 but only 2 class names are known");
    }

    @Test
    void theCommandConvertsAndPrintsOneSummaryLine() throws IOException {
        Path idx = IdxFixtures.write(tmp.resolve("idx"), 20, 6, 9);
        Path out = tmp.resolve("out");
        String outUri = out.toUri().toString();
        StringWriter printed = new StringWriter();
        CommandLine cli = new CommandLine(new ConvertCommand());
        cli.setOut(new PrintWriter(printed, true));

        int code = cli.execute("--input", idx.toUri().toString(), "--output", outUri,
                "--train-limit", "5", "--val-limit", "4", "--size", "32", "--class-names",
                "zero,one,two,three,four,five,six,seven,eight,nine");

        assertThat(code).isZero();
        assertThat(printed.toString().lines().toList()).hasSize(1);
        assertThat(printed.toString()).startsWith("converted 5 train and 4 val images of 10 classes "
                + "(32x32 JPEG, quality 0.95) to " + outUri + " in ");
        assertThat(jpegs(out)).hasSize(9);
        assertThat(Files.readAllLines(out.resolve("LOC_synset_mapping.txt")).get(9)).isEqualTo("n00001009 nine");
    }

    @Test
    void theCommandRequiresOutput() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ConvertCommand());
        cli.setErr(new PrintWriter(err, true));

        assertThat(cli.execute("--train-limit", "3")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("Missing required option: '--output=<output>'");
    }

    private static void assertCloseToIdx(Path jpeg, LabeledImages idx, int index) throws IOException {
        BufferedImage image = ImageIO.read(jpeg.toFile());
        assertThat(image).as(jpeg.toString()).isNotNull();
        assertThat(image.getWidth()).isEqualTo(idx.width());
        assertThat(image.getHeight()).isEqualTo(idx.height());
        assertThat(image.getType()).as("greyscale JPEG").isEqualTo(BufferedImage.TYPE_BYTE_GRAY);
        double error = 0;
        int base = index * idx.imageSize();
        for (int y = 0; y < idx.height(); y++) {
            for (int x = 0; x < idx.width(); x++) {
                int expected = Byte.toUnsignedInt(idx.pixels()[base + y * idx.width() + x]);
                error += Math.abs(image.getRaster().getSample(x, y, 0) - expected);
            }
        }
        assertThat(error / idx.imageSize()).as("mean abs error of " + jpeg.getFileName()).isLessThan(3.0);
    }

    private static double mean(BufferedImage image) {
        double sum = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                sum += image.getRaster().getSample(x, y, 0);
            }
        }
        return sum / (image.getWidth() * image.getHeight());
    }

    private static double idxMean(LabeledImages idx, int index) {
        double sum = 0;
        for (int p = 0; p < idx.imageSize(); p++) {
            sum += Byte.toUnsignedInt(idx.pixels()[index * idx.imageSize() + p]);
        }
        return sum / idx.imageSize();
    }

    private static int imageNumber(Path file) {
        String name = file.getFileName().toString();
        return Integer.parseInt(name.substring(name.indexOf('_') + 1, name.length() - ".JPEG".length()));
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toList());
        }
    }

    private static List<Path> jpegs(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".JPEG")).sorted().toList();
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every path under {@code dir} (relative) with its bytes (empty for folders). */
    private static Map<String, byte[]> snapshot(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(p -> !p.equals(dir)).forEach(paths::add);
        }
        for (Path p : paths) {
            files.put(dir.relativize(p).toString(), Files.isDirectory(p) ? new byte[0] : Files.readAllBytes(p));
        }
        return files;
    }
}
