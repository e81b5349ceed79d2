package ai.synergy.testing;

import ai.synergy.testing.IlsvrcTree.Entry;
import ai.synergy.testing.IlsvrcTree.Fate;
import ai.synergy.testing.IlsvrcTree.Kind;
import ai.synergy.testing.IlsvrcTree.Split;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

/** The ILSVRC fixture writes what it says: each odd file really is what its kind claims, and counts add up. */
class IlsvrcTreeTest {
    private static final String JDK_READER = "com.sun.imageio.plugins.jpeg.JPEGImageReader";
    private static final String TWELVEMONKEYS_READER = "com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReader";

    @TempDir
    Path tmp;

    @Test
    void writesExactlyTheFilesItListsWithTheExpectedCounts() throws IOException {
        IlsvrcTree tree = IlsvrcTree.write(tmp.resolve("ilsvrc"), 4, 3, 5, 42);

        assertThat(tree.expectedGoodTrain()).isEqualTo(4 * 3 + 3); // + CMYK, grey, PNG-as-JPEG
        assertThat(tree.expectedGoodVal()).isEqualTo(5);
        assertThat(tree.bad()).extracting(Entry::fate).containsExactlyInAnyOrder(Fate.TRUNCATED, Fate.EMPTY,
                Fate.NOT_AN_IMAGE, Fate.UNKNOWN_SYNSET, Fate.NO_LABEL);
        assertThat(tree.bad()).extracting(e -> e.fate().reason()).containsExactlyInAnyOrder("TRUNCATED", "EMPTY",
                "NOT_AN_IMAGE", "unknown-synset", "no-label");
        assertThat(tree.files()).hasSize(15 + 5 + 5);

        Set<String> onDisk;
        try (Stream<Path> walk = Files.walk(tree.root())) {
            onDisk = walk.filter(Files::isRegularFile).map(p -> tree.root().relativize(p).toString().replace('\\', '/'))
                    .collect(Collectors.toSet());
        }
        List<String> expected = new ArrayList<>(tree.files().stream().map(Entry::path).toList());
        expected.addAll(List.of("LOC_synset_mapping.txt", "LOC_val_solution.csv",
                "ILSVRC2012_validation_ground_truth.txt"));
        assertThat(onDisk).containsExactlyInAnyOrderElementsOf(expected);

        List<String> folders = list(tree.root().resolve("train"));
        assertThat(folders).containsExactlyInAnyOrder("n01440764", "n01441777", "n01442790", "n01443803", "n99999999");
        assertThat(tree.wnids()).containsExactly("n01440764", "n01441777", "n01442790", "n01443803");
        assertThat(tree.wnids()).isSorted();
        assertThat(Files.readAllLines(tree.root().resolve("LOC_synset_mapping.txt"))).containsExactly(
                "n01440764 class zero, zero", "n01441777 class one, one", "n01442790 class two, two",
                "n01443803 class three, three");
        assertThat(tree.names().get(2)).isEqualTo("class two, two");

        // every good train file sits in its class folder; the odd kinds are spread over classes 0, 1, 2
        for (Entry e : tree.goodTrain()) {
            assertThat(e.path()).startsWith("train/" + tree.wnids().get(e.label()) + "/" + tree.wnids().get(e.label())
                    + "_").endsWith(".JPEG");
        }
        assertThat(tree.file(Kind.CMYK_JPEG).path()).isEqualTo("train/n01440764/n01440764_4.JPEG");
        assertThat(tree.file(Kind.GREY_JPEG).path()).isEqualTo("train/n01441777/n01441777_4.JPEG");
        assertThat(tree.file(Kind.PNG_AS_JPEG).path()).isEqualTo("train/n01442790/n01442790_4.JPEG");
        assertThat(tree.file(Kind.TRUNCATED_JPEG).path()).isEqualTo("train/n01443803/n01443803_4.JPEG");
        assertThat(tree.file(Kind.EMPTY_FILE).path()).isEqualTo("train/n01440764/n01440764_5.JPEG");
        assertThat(tree.file(Kind.XML_AS_JPEG).path()).isEqualTo("train/n01441777/n01441777_5.JPEG");
        assertThat(tree.file(Fate.UNKNOWN_SYNSET).path()).isEqualTo("train/n99999999/n99999999_1.JPEG");
        assertThat(tree.file(Fate.UNKNOWN_SYNSET).label()).isEqualTo(IlsvrcTree.NO_CLASS);
        assertThat(tree.file(Fate.NO_LABEL).path()).isEqualTo("val/ILSVRC2012_val_00000006.JPEG");
        assertThat(tree.file(Fate.NO_LABEL).label()).isEqualTo(IlsvrcTree.NO_CLASS);
    }

    @Test
    void validationLabelFilesAgreeWithTheGoodValImages() throws IOException {
        IlsvrcTree tree = IlsvrcTree.write(tmp, 3, 1, 7, 5);

        List<String> groundTruth = Files.readAllLines(tmp.resolve("ILSVRC2012_validation_ground_truth.txt"));
        List<String> csv = Files.readAllLines(tmp.resolve("LOC_val_solution.csv"));
        assertThat(csv.get(0)).isEqualTo("ImageId,PredictionString");
        assertThat(groundTruth).hasSize(7);
        assertThat(csv).hasSize(8);

        Map<String, String> firstToken = new TreeMap<>();
        for (String row : csv.subList(1, csv.size())) {
            assertThat(row).matches("ILSVRC2012_val_\\d{8},(n\\d{8} \\d+ \\d+ \\d+ \\d+ )+");
            String[] parts = row.split(",", 2);
            firstToken.put(parts[0], parts[1].split(" ")[0]);
        }
        assertThat(csv.subList(1, csv.size())).as("rows are shuffled like the real file")
                .isNotEqualTo(csv.subList(1, csv.size()).stream().sorted().toList());
        assertThat(tree.goodVal()).hasSize(7);
        for (Entry e : tree.goodVal()) {
            String id = e.fileName().replace(".JPEG", "");
            int n = Integer.parseInt(id.substring("ILSVRC2012_val_".length()));
            assertThat(firstToken.get(id)).as(id).isEqualTo(tree.wnids().get(e.label()));
            assertThat(Integer.parseInt(groundTruth.get(n - 1))).as(id).isEqualTo(e.label() + 1);
        }
        assertThat(firstToken).doesNotContainKey("ILSVRC2012_val_00000008");
        assertThat(tree.path(tree.file(Fate.NO_LABEL))).exists()
                .hasFileName("ILSVRC2012_val_00000008.JPEG");
    }

    @Test
    void goodImagesDecodeToTheirSizeAndTheirClassColour() throws IOException {
        IlsvrcTree tree = IlsvrcTree.write(tmp, 5, 4, 6, 7);
        boolean portrait = false;
        boolean landscape = false;
        List<Entry> decodable = new ArrayList<>(tree.goodTrain());
        decodable.addAll(tree.goodVal());
        for (Entry e : decodable) {
            BufferedImage image = ImageIO.read(tree.path(e).toFile());
            assertThat(image).as(e.path()).isNotNull();
            assertThat(image.getWidth()).as(e.path()).isEqualTo(e.width()).isBetween(30, 120);
            assertThat(image.getHeight()).as(e.path()).isEqualTo(e.height()).isBetween(30, 120);
            portrait |= e.height() > e.width();
            landscape |= e.width() > e.height();
            double[] mean = IlsvrcTree.meanRgb(image);
            int rgb = e.expectedRgb();
            assertThat(mean[0]).as(e.path() + " red").isCloseTo((rgb >> 16) & 0xff, offset(4.0));
            assertThat(mean[1]).as(e.path() + " green").isCloseTo((rgb >> 8) & 0xff, offset(4.0));
            assertThat(mean[2]).as(e.path() + " blue").isCloseTo(rgb & 0xff, offset(4.0));
            if (e.kind() != Kind.GREY_JPEG) {
                assertThat(tree.nearestClass(mean)).as(e.path()).isEqualTo(e.label());
            }
        }
        assertThat(portrait).isTrue();
        assertThat(landscape).isTrue();
        assertThat(decodable).extracting(Entry::kind).contains(Kind.RGB_JPEG, Kind.CMYK_JPEG, Kind.GREY_JPEG,
                Kind.PNG_AS_JPEG);
    }

    @Test
    void theCmykJpegReallyHasFourComponentsAndTheJdkReaderCannotMakeItRgb() throws IOException {
        IlsvrcTree tree = IlsvrcTree.write(tmp, 3, 1, 1, 3);
        Entry cmyk = tree.file(Kind.CMYK_JPEG);
        byte[] bytes = Files.readAllBytes(tree.path(cmyk));

        assertThat(bytes[0] & 0xff).isEqualTo(0xFF);
        assertThat(bytes[1] & 0xff).isEqualTo(0xD8);
        assertThat(new String(Arrays.copyOfRange(bytes, 2, 11), StandardCharsets.ISO_8859_1))
                .isEqualTo("\u00ff\u00ee\u0000\u000eAdobe"); // APP14 "Adobe"
        assertThat(sofComponents(bytes)).isEqualTo(4);

        ImageReader jdk = reader(JDK_READER);
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            jdk.setInput(in);
            assertThat(jdk.readRaster(0, null).getNumBands()).isEqualTo(4);
            BufferedImage read = null;
            try {
                read = jdk.read(0);
            } catch (IIOException e) {
                // older JDKs refuse it outright: "Unsupported Image Type"
            }
            if (read != null) {
                assertThat(read.getRaster().getNumBands()).as("the JDK reader gives 4 bands, not RGB").isEqualTo(4);
            }
        } finally {
            jdk.dispose();
        }

        ImageReader twelveMonkeys = reader(TWELVEMONKEYS_READER);
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            twelveMonkeys.setInput(in);
            BufferedImage rgb = twelveMonkeys.read(0);
            assertThat(rgb.getRaster().getNumBands()).isEqualTo(3);
            assertThat(tree.nearestClass(IlsvrcTree.meanRgb(rgb))).isEqualTo(cmyk.label());
        } finally {
            twelveMonkeys.dispose();
        }
    }

    @Test
    void theOddFilesAreWhatTheirKindSays() throws IOException {
        IlsvrcTree tree = IlsvrcTree.write(tmp, 2, 2, 2, 9);

        byte[] grey = Files.readAllBytes(tree.path(tree.file(Kind.GREY_JPEG)));
        assertThat(sofComponents(grey)).isEqualTo(1);
        ImageReader jdk = reader(JDK_READER);
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(grey))) {
            jdk.setInput(in);
            assertThat(jdk.read(0).getType()).isEqualTo(BufferedImage.TYPE_BYTE_GRAY);
        } finally {
            jdk.dispose();
        }

        Entry png = tree.file(Kind.PNG_AS_JPEG);
        assertThat(png.fileName()).endsWith(".JPEG");
        byte[] pngBytes = Files.readAllBytes(tree.path(png));
        assertThat(Arrays.copyOf(pngBytes, 8)).containsExactly(0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A);
        assertThat(ImageIO.read(tree.path(png).toFile()).getWidth()).isEqualTo(png.width());

        Entry truncated = tree.file(Kind.TRUNCATED_JPEG);
        assertThat(truncated.fate()).isEqualTo(Fate.TRUNCATED);
        byte[] cut = Files.readAllBytes(tree.path(truncated));
        byte[] source = Files.readAllBytes(tree.path(tree.truncatedSource()));
        assertThat(tree.truncatedSource().ok()).isTrue();
        assertThat(tree.truncatedSource().label()).isEqualTo(truncated.label());
        assertThat(cut.length).isEqualTo((int) (source.length * 0.6)).isLessThan(source.length);
        assertThat(cut).containsExactly(Arrays.copyOf(source, cut.length));
        assertThat(indexOfMarker(cut, 0xDA)).as("the scan starts before the cut").isPositive();
        assertThat(cut[cut.length - 2] == (byte) 0xFF && cut[cut.length - 1] == (byte) 0xD9).as("no EOI").isFalse();

        Entry empty = tree.file(Kind.EMPTY_FILE);
        assertThat(tree.path(empty)).isEmptyFile();
        assertThat(empty.fate()).isEqualTo(Fate.EMPTY);

        Entry xml = tree.file(Kind.XML_AS_JPEG);
        assertThat(xml.fate()).isEqualTo(Fate.NOT_AN_IMAGE);
        assertThat(Files.readString(tree.path(xml))).startsWith("<?xml");
        assertThat(ImageIO.read(tree.path(xml).toFile())).as("no ImageIO reader takes it").isNull();

        Entry unknown = tree.file(Fate.UNKNOWN_SYNSET);
        assertThat(Files.readAllLines(tree.root().resolve("LOC_synset_mapping.txt")))
                .noneMatch(line -> line.startsWith(IlsvrcTree.UNKNOWN_WNID));
        assertThat(ImageIO.read(tree.path(unknown).toFile())).isNotNull();
    }

    @Test
    void theSameSeedWritesTheSameBytes() throws IOException {
        IlsvrcTree a = IlsvrcTree.write(tmp.resolve("a"), 3, 2, 3, 11);
        IlsvrcTree b = IlsvrcTree.write(tmp.resolve("b"), 3, 2, 3, 11);

        assertThat(b.files()).isEqualTo(a.files());
        for (Entry e : a.files()) {
            assertThat(Files.readAllBytes(b.path(e))).as(e.path()).isEqualTo(Files.readAllBytes(a.path(e)));
        }
        assertThat(Files.readString(b.root().resolve("LOC_val_solution.csv")))
                .isEqualTo(Files.readString(a.root().resolve("LOC_val_solution.csv")));
    }

    @Test
    void optionsLeaveOutASplitOrTheOddFiles() throws IOException {
        IlsvrcTree noVal = IlsvrcTree.write(tmp.resolve("noval"), IlsvrcTree.Options.of(2, 2, 3, 1).withoutVal());
        assertThat(noVal.root().resolve("val")).doesNotExist();
        assertThat(noVal.root().resolve("LOC_val_solution.csv")).exists();
        assertThat(Files.readAllLines(noVal.root().resolve("ILSVRC2012_validation_ground_truth.txt"))).hasSize(3);
        assertThat(noVal.expectedGoodVal()).isZero();
        assertThat(noVal.expectedGoodTrain()).isEqualTo(2 * 2 + 3);

        IlsvrcTree noTrain = IlsvrcTree.write(tmp.resolve("notrain"), IlsvrcTree.Options.of(2, 2, 3, 1).withoutTrain());
        assertThat(noTrain.root().resolve("train")).doesNotExist();
        assertThat(noTrain.expectedGoodTrain()).isZero();
        assertThat(noTrain.expectedGoodVal()).isEqualTo(3);

        IlsvrcTree clean = IlsvrcTree.write(tmp.resolve("clean"), IlsvrcTree.Options.of(2, 2, 3, 1).withoutOddFiles());
        assertThat(clean.bad()).isEmpty();
        assertThat(clean.files()).extracting(Entry::kind).containsOnly(Kind.RGB_JPEG);
        assertThat(clean.files()).filteredOn(e -> e.split() == Split.TRAIN).hasSize(4);
        assertThat(clean.root().resolve("train").resolve(IlsvrcTree.UNKNOWN_WNID)).doesNotExist();
        assertThatThrownBy(clean::truncatedSource).isInstanceOf(IllegalStateException.class);
    }

    /** Number of components in the first SOF marker (baseline or progressive). */
    private static int sofComponents(byte[] jpeg) {
        int sof = Math.max(indexOfMarker(jpeg, 0xC0), indexOfMarker(jpeg, 0xC2));
        assertThat(sof).as("SOF marker").isPositive();
        return jpeg[sof + 9] & 0xff; // FF Cx, length(2), precision(1), height(2), width(2), components(1)
    }

    /** Index of the first {@code FF <marker>} pair, or -1. */
    private static int indexOfMarker(byte[] bytes, int marker) {
        for (int i = 0; i + 1 < bytes.length; i++) {
            if (bytes[i] == (byte) 0xFF && (bytes[i + 1] & 0xff) == marker) {
                return i;
            }
        }
        return -1;
    }

    private static ImageReader reader(String className) {
        for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName("jpeg"); it.hasNext(); ) {
            ImageReader reader = it.next();
            if (reader.getClass().getName().equals(className)) {
                return reader;
            }
            reader.dispose();
        }
        throw new IllegalStateException(className + " is not registered with ImageIO");
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }
}
