package ai.synergy.testing;

import ai.synergy.data.image.JpegEncoder;
import ai.synergy.sharding.IlsvrcLayout;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.RenderedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Writes a small ILSVRC-2012-style tree (the Kaggle "LOC" layout) holding every odd and bad file real ImageNet has,
 * and knows what each file should become: its class and its fate ({@link Fate}).
 *
 * <p>Layout under the root:
 * <ul>
 *   <li>{@code LOC_synset_mapping.txt}: {@code <wnid> <name>} per class, wnids ascending (= class order), names with
 *       a comma like the real file ({@code class zero, zero});</li>
 *   <li>{@code LOC_val_solution.csv}: header, then one row per labelled validation image in a shuffled order (as in
 *       the real file), {@code <wnid> xmin ymin xmax ymax} boxes, some rows with two boxes, each row ending in a
 *       space like the real file;</li>
 *   <li>{@code ILSVRC2012_validation_ground_truth.txt}: line n = 1-based class id (synset-file order) of
 *       {@code ILSVRC2012_val_<n>.JPEG}; the last validation image has no line (and no CSV row);</li>
 *   <li>{@code train/<wnid>/<wnid>_<i>.JPEG}: {@code imagesPerClass} RGB JPEGs per class (sizes 40x30 to 120x90,
 *       landscape and portrait alternating), filled with the class colour ({@link #colour}) plus stripes and
 *       noise;</li>
 *   <li>odd files in the class folders (class {@code j % classes} for the j-th kind, numbered after the regular
 *       ones): a CMYK JPEG (Adobe APP14 marker, inverted CMYK as Photoshop writes it), a greyscale JPEG, a PNG named
 *       {@code .JPEG} (all three {@link Fate#OK}), a JPEG cut to its first 60% of bytes ({@link Fate#TRUNCATED}), a
 *       zero-byte file ({@link Fate#EMPTY}) and an XML text ({@link Fate#NOT_AN_IMAGE});</li>
 *   <li>{@code train/n99999999/} (not in the synset list) with one valid JPEG ({@link Fate#UNKNOWN_SYNSET});</li>
 *   <li>{@code val/ILSVRC2012_val_<8 digits>.JPEG}: {@code valImages} labelled RGB JPEGs, plus one more without a
 *       label ({@link Fate#NO_LABEL}).</li>
 * </ul>
 * Everything is generated from the seed (same seed, same bytes). JPEGs are written by the JDK's own writer.
 */
public final class IlsvrcTree {

    /** The synset list file name. */
    public static final String SYNSET_MAPPING = IlsvrcLayout.SYNSET_MAPPING;
    /** The Kaggle LOC validation labels file name. */
    public static final String VAL_SOLUTION = IlsvrcLayout.LOC_VAL_SOLUTION;
    /** The devkit validation labels file name. */
    public static final String VAL_GROUND_TRUTH = IlsvrcLayout.VAL_GROUND_TRUTH;
    /** The train folder that is not in the synset list. */
    public static final String UNKNOWN_WNID = "n99999999";
    /** {@link Entry#label()} of a file without a class. */
    public static final int NO_CLASS = -1;
    /** {@link Entry#expectedRgb()} of a file that does not decode. */
    public static final int NO_COLOUR = -1;

    private static final float JPEG_QUALITY = 0.9f;
    private static final double TRUNCATE_TO = 0.6;
    private static final String[] NUMBERS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
            "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
            "nineteen"};

    /** Which split a file is in. */
    public enum Split { TRAIN, VAL }

    /** What a file really is. */
    public enum Kind { RGB_JPEG, GREY_JPEG, CMYK_JPEG, PNG_AS_JPEG, TRUNCATED_JPEG, EMPTY_FILE, XML_AS_JPEG }

    /** What a correct reader should do with a file: keep it ({@link #OK}) or skip it for the reason given. */
    public enum Fate {
        /** Decodes to a 3-channel image of its class (CMYK, grey and PNG-as-JPEG included). */
        OK("ok"),
        /** Zero bytes. */
        EMPTY("EMPTY"),
        /** Not an image at all (XML text named .JPEG). */
        NOT_AN_IMAGE("NOT_AN_IMAGE"),
        /** A JPEG cut short (no end-of-image marker; the scan stops early). */
        TRUNCATED("TRUNCATED"),
        /** A valid image in a train folder whose wnid is not in the synset list. */
        UNKNOWN_SYNSET("unknown-synset"),
        /** A valid validation image with no ground-truth line or CSV row. */
        NO_LABEL("no-label");

        private final String reason;

        Fate(String reason) {
            this.reason = reason;
        }

        /** The reason as text: ok, EMPTY, NOT_AN_IMAGE, TRUNCATED, unknown-synset or no-label. */
        public String reason() {
            return reason;
        }
    }

    /**
     * One class.
     *
     * @param index  class index (0-based, synset-file order)
     * @param wnid   its folder name, {@code n} + 8 digits
     * @param name   its name as in the synset file
     * @param colour the colour its images are filled with
     */
    public record Synset(int index, String wnid, String name, Color colour) {
    }

    /**
     * One file written under train/ or val/.
     *
     * @param path        path relative to the root, with '/' separators, e.g. {@code train/n01440764/n01440764_3.JPEG}
     * @param split       its split
     * @param kind        what it really is
     * @param label       its class index (from its folder or its ground-truth line), or {@link #NO_CLASS}
     * @param fate        what a reader should do with it
     * @param width       decoded width in pixels (0 when it does not decode)
     * @param height      decoded height in pixels (0 when it does not decode)
     * @param expectedRgb mean colour of the source pixels, {@code 0xRRGGBB} (grey for the grey JPEG), or
     *                    {@link #NO_COLOUR}; a decoded JPEG is within a few levels of it
     */
    public record Entry(String path, Split split, Kind kind, int label, Fate fate, int width, int height,
                        int expectedRgb) {
        /** The file name, e.g. {@code ILSVRC2012_val_00000001.JPEG}. */
        public String fileName() {
            return path.substring(path.lastIndexOf('/') + 1);
        }

        /** True when a reader should keep it. */
        public boolean ok() {
            return fate == Fate.OK;
        }
    }

    /**
     * What to write.
     *
     * @param classes        number of classes (1..100)
     * @param imagesPerClass regular RGB JPEGs per class folder (>= 1)
     * @param valImages      labelled validation images (>= 1); one unlabelled image is added after them
     * @param seed           seed of every random choice
     * @param withTrain      write {@code train/} (false: the folder is missing)
     * @param withVal        write {@code val/} (false: the folder is missing; the label files are still written)
     * @param oddFiles       write the odd and bad files (false: only regular RGB JPEGs, all labelled)
     */
    public record Options(int classes, int imagesPerClass, int valImages, long seed, boolean withTrain,
                          boolean withVal, boolean oddFiles) {
        /** Checks the counts. */
        public Options {
            if (classes < 1 || classes > 100) {
                throw new IllegalArgumentException("classes must be in 1..100, got " + classes);
            }
            if (imagesPerClass < 1 || valImages < 1) {
                throw new IllegalArgumentException("imagesPerClass and valImages must be >= 1, got " + imagesPerClass
                        + " and " + valImages);
            }
        }

        /** Both splits, with every odd file. */
        public static Options of(int classes, int imagesPerClass, int valImages, long seed) {
            return new Options(classes, imagesPerClass, valImages, seed, true, true, true);
        }

        /** The same without the {@code val/} folder. */
        public Options withoutVal() {
            return new Options(classes, imagesPerClass, valImages, seed, withTrain, false, oddFiles);
        }

        /** The same without the {@code train/} folder. */
        public Options withoutTrain() {
            return new Options(classes, imagesPerClass, valImages, seed, false, withVal, oddFiles);
        }

        /** The same with regular images only. */
        public Options withoutOddFiles() {
            return new Options(classes, imagesPerClass, valImages, seed, withTrain, withVal, false);
        }
    }

    private final Path root;
    private final Options options;
    private final List<Synset> synsets;
    private final List<Entry> files = new ArrayList<>();
    private Entry truncatedSource;

    private IlsvrcTree(Path root, Options options, List<Synset> synsets) {
        this.root = root;
        this.options = options;
        this.synsets = synsets;
    }

    /** Writes a tree with both splits and every odd file; see {@link Options}. */
    public static IlsvrcTree write(Path root, int classes, int imagesPerClass, int valImages, long seed)
            throws IOException {
        return write(root, Options.of(classes, imagesPerClass, valImages, seed));
    }

    /** Writes a tree under {@code root} (created if needed; should be empty). */
    public static IlsvrcTree write(Path root, Options options) throws IOException {
        List<Synset> synsets = new ArrayList<>();
        for (int k = 0; k < options.classes(); k++) {
            String number = k < NUMBERS.length ? NUMBERS[k] : Integer.toString(k);
            Color colour = Color.getHSBColor((float) k / options.classes(), 0.75f, 0.85f);
            synsets.add(new Synset(k, String.format(Locale.ROOT, "n%08d", 1440764 + 1013 * k),
                    "class " + number + ", " + number, colour));
        }
        IlsvrcTree tree = new IlsvrcTree(root, options, List.copyOf(synsets));
        tree.writeAll(new Random(options.seed()));
        return tree;
    }

    /** The root folder. */
    public Path root() {
        return root;
    }

    /** The options it was written with. */
    public Options options() {
        return options;
    }

    /** The classes in class-index order. */
    public List<Synset> synsets() {
        return synsets;
    }

    /** The wnids in class-index order. */
    public List<String> wnids() {
        return synsets.stream().map(Synset::wnid).toList();
    }

    /** The class names in class-index order. */
    public List<String> names() {
        return synsets.stream().map(Synset::name).toList();
    }

    /** The colour of class {@code k}'s images. */
    public Color colour(int classIndex) {
        return synsets.get(classIndex).colour();
    }

    /** Every file written under train/ and val/, in writing order. */
    public List<Entry> files() {
        return Collections.unmodifiableList(files);
    }

    /** The train files a reader should keep, with their labels. */
    public List<Entry> goodTrain() {
        return files.stream().filter(e -> e.split() == Split.TRAIN && e.ok()).toList();
    }

    /** The val files a reader should keep, with their labels. */
    public List<Entry> goodVal() {
        return files.stream().filter(e -> e.split() == Split.VAL && e.ok()).toList();
    }

    /** The files a reader should skip, each with its {@link Fate}. */
    public List<Entry> bad() {
        return files.stream().filter(e -> !e.ok()).toList();
    }

    /** Number of train images a reader should keep. */
    public int expectedGoodTrain() {
        return goodTrain().size();
    }

    /** Number of val images a reader should keep. */
    public int expectedGoodVal() {
        return goodVal().size();
    }

    /** The first file of a kind (e.g. the CMYK JPEG); fails when none was written. */
    public Entry file(Kind kind) {
        return files.stream().filter(e -> e.kind() == kind).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + kind + " file in this tree"));
    }

    /** The file with a fate (e.g. {@link Fate#NO_LABEL}); fails when none was written. */
    public Entry file(Fate fate) {
        return files.stream().filter(e -> e.fate() == fate).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + fate + " file in this tree"));
    }

    /** The good train JPEG (first of the same class folder) whose first 60% of bytes the truncated file holds. */
    public Entry truncatedSource() {
        if (truncatedSource == null) {
            throw new IllegalStateException("no truncated file in this tree");
        }
        return truncatedSource;
    }

    /** Absolute path of an entry. */
    public Path path(Entry entry) {
        return root.resolve(entry.path());
    }

    /** The class whose colour is nearest (RGB distance) to a decoded image's mean colour. */
    public int nearestClass(double[] meanRgb) {
        int best = -1;
        double bestDistance = Double.MAX_VALUE;
        for (Synset s : synsets) {
            Color c = s.colour();
            double dr = meanRgb[0] - c.getRed();
            double dg = meanRgb[1] - c.getGreen();
            double db = meanRgb[2] - c.getBlue();
            double distance = dr * dr + dg * dg + db * db;
            if (distance < bestDistance) {
                bestDistance = distance;
                best = s.index();
            }
        }
        return best;
    }

    /**
     * Mean red, green and blue (0..255) of a decoded image. A one-band (grey) image is measured by its samples, each
     * counted as R = G = B: {@code getRGB} would pass {@code TYPE_BYTE_GRAY}'s linear grey through an sRGB gamma curve
     * (grey 189 reads as 223). Other images go through {@code getRGB}.
     */
    public static double[] meanRgb(BufferedImage image) {
        double[] sum = new double[3];
        boolean grey = image.getRaster().getNumBands() == 1;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if (grey) {
                    int v = image.getRaster().getSample(x, y, 0);
                    sum[0] += v;
                    sum[1] += v;
                    sum[2] += v;
                } else {
                    int rgb = image.getRGB(x, y);
                    sum[0] += (rgb >> 16) & 0xff;
                    sum[1] += (rgb >> 8) & 0xff;
                    sum[2] += rgb & 0xff;
                }
            }
        }
        double n = (double) image.getWidth() * image.getHeight();
        return new double[]{sum[0] / n, sum[1] / n, sum[2] / n};
    }

    // ---- writing ----------------------------------------------------------------------------------------------

    private void writeAll(Random random) throws IOException {
        Files.createDirectories(root);
        if (options.withTrain()) {
            writeTrain(random);
        }
        writeVal(random);
        StringBuilder mapping = new StringBuilder();
        for (Synset s : synsets) {
            mapping.append(s.wnid()).append(' ').append(s.name()).append('\n');
        }
        Files.writeString(root.resolve(SYNSET_MAPPING), mapping.toString(), StandardCharsets.UTF_8);
    }

    private void writeTrain(Random random) throws IOException {
        int[] next = new int[options.classes()];
        List<Entry> firstOfClass = new ArrayList<>();
        for (Synset s : synsets) {
            Files.createDirectories(root.resolve("train").resolve(s.wnid()));
            for (int i = 0; i < options.imagesPerClass(); i++) {
                Entry entry = writeImage(trainPath(s, ++next[s.index()]), Split.TRAIN, Kind.RGB_JPEG, s.index(),
                        s.index(), Fate.OK, random);
                if (i == 0) {
                    firstOfClass.add(entry);
                }
            }
        }
        if (!options.oddFiles()) {
            return;
        }
        Kind[] odd = {Kind.CMYK_JPEG, Kind.GREY_JPEG, Kind.PNG_AS_JPEG, Kind.TRUNCATED_JPEG, Kind.EMPTY_FILE,
                Kind.XML_AS_JPEG};
        for (int j = 0; j < odd.length; j++) {
            Synset s = synsets.get(j % synsets.size());
            String path = trainPath(s, ++next[s.index()]);
            switch (odd[j]) {
                case CMYK_JPEG, GREY_JPEG, PNG_AS_JPEG ->
                        writeImage(path, Split.TRAIN, odd[j], s.index(), s.index(), Fate.OK, random);
                case TRUNCATED_JPEG -> {
                    truncatedSource = firstOfClass.get(s.index());
                    byte[] source = Files.readAllBytes(root.resolve(truncatedSource.path()));
                    write(path, Arrays.copyOf(source, (int) (source.length * TRUNCATE_TO)));
                    files.add(new Entry(path, Split.TRAIN, odd[j], s.index(), Fate.TRUNCATED, 0, 0, NO_COLOUR));
                }
                case EMPTY_FILE -> {
                    write(path, new byte[0]);
                    files.add(new Entry(path, Split.TRAIN, odd[j], s.index(), Fate.EMPTY, 0, 0, NO_COLOUR));
                }
                case XML_AS_JPEG -> {
                    String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<annotation>\n  <folder>" + s.wnid()
                            + "</folder>\n  <filename>" + path.substring(path.lastIndexOf('/') + 1)
                            + "</filename>\n  <error>not an image</error>\n</annotation>\n";
                    write(path, xml.getBytes(StandardCharsets.UTF_8));
                    files.add(new Entry(path, Split.TRAIN, odd[j], s.index(), Fate.NOT_AN_IMAGE, 0, 0, NO_COLOUR));
                }
                default -> throw new IllegalStateException(odd[j].toString());
            }
        }
        Files.createDirectories(root.resolve("train").resolve(UNKNOWN_WNID));
        writeImage("train/" + UNKNOWN_WNID + "/" + UNKNOWN_WNID + "_1.JPEG", Split.TRAIN, Kind.RGB_JPEG, NO_CLASS,
                0, Fate.UNKNOWN_SYNSET, random);
    }

    private void writeVal(Random random) throws IOException {
        int[] labels = new int[options.valImages()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = random.nextInt(options.classes());
        }
        if (options.withVal()) {
            Files.createDirectories(root.resolve("val"));
            for (int i = 0; i < labels.length; i++) {
                writeImage(valPath(i + 1), Split.VAL, Kind.RGB_JPEG, labels[i], labels[i], Fate.OK, random);
            }
            if (options.oddFiles()) {
                writeImage(valPath(labels.length + 1), Split.VAL, Kind.RGB_JPEG, NO_CLASS,
                        random.nextInt(options.classes()), Fate.NO_LABEL, random);
            }
        }
        StringBuilder groundTruth = new StringBuilder();
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            groundTruth.append(labels[i] + 1).append('\n');
            String wnid = synsets.get(labels[i]).wnid();
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "ILSVRC2012_val_%08d,", i + 1));
            int boxes = i % 3 == 0 ? 2 : 1;
            for (int b = 0; b < boxes; b++) {
                int x0 = random.nextInt(20);
                int y0 = random.nextInt(15);
                row.append(wnid).append(' ').append(x0).append(' ').append(y0).append(' ')
                        .append(x0 + 10 + random.nextInt(20)).append(' ').append(y0 + 10 + random.nextInt(15))
                        .append(' ');
            }
            rows.add(row.toString());
        }
        Collections.shuffle(rows, random);
        Files.writeString(root.resolve(VAL_SOLUTION), "ImageId,PredictionString\n" + String.join("\n", rows) + "\n",
                StandardCharsets.UTF_8);
        Files.writeString(root.resolve(VAL_GROUND_TRUTH), groundTruth.toString(), StandardCharsets.UTF_8);
    }

    private static String trainPath(Synset s, int number) {
        return "train/" + s.wnid() + "/" + s.wnid() + "_" + number + ".JPEG";
    }

    private static String valPath(int number) {
        return String.format(Locale.ROOT, "val/ILSVRC2012_val_%08d.JPEG", number);
    }

    /** Draws an image of class {@code colourClass}'s colour, writes it as {@code kind} and records it. */
    private Entry writeImage(String path, Split split, Kind kind, int label, int colourClass, Fate fate, Random random)
            throws IOException {
        boolean portrait = files.size() % 2 == 1;
        int longSide = 40 + random.nextInt(81);
        int shortSide = 30 + random.nextInt(Math.max(1, longSide * 3 / 4 - 30 + 1));
        int width = portrait ? shortSide : longSide;
        int height = portrait ? longSide : shortSide;
        int[][] rgb = pixels(colourClass, width, height, random);
        byte[] bytes;
        int expected;
        switch (kind) {
            case RGB_JPEG, PNG_AS_JPEG -> {
                BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
                for (int p = 0; p < rgb.length; p++) {
                    image.setRGB(p % width, p / width, (rgb[p][0] << 16) | (rgb[p][1] << 8) | rgb[p][2]);
                }
                bytes = kind == Kind.PNG_AS_JPEG ? png(image) : jpeg(image);
                expected = meanOf(rgb);
            }
            case GREY_JPEG -> {
                BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
                WritableRaster raster = image.getRaster();
                int[][] grey = new int[rgb.length][];
                for (int p = 0; p < rgb.length; p++) {
                    int y = (int) Math.round(0.299 * rgb[p][0] + 0.587 * rgb[p][1] + 0.114 * rgb[p][2]);
                    raster.setSample(p % width, p / width, 0, y);
                    grey[p] = new int[]{y, y, y};
                }
                bytes = jpeg(image);
                expected = meanOf(grey);
            }
            case CMYK_JPEG -> {
                bytes = cmykJpeg(rgb, width, height);
                expected = meanOf(rgb);
            }
            default -> throw new IllegalArgumentException(kind + " is not an image kind");
        }
        write(path, bytes);
        Entry entry = new Entry(path, split, kind, label, fate, width, height, expected);
        files.add(entry);
        return entry;
    }

    /** Class colour + horizontal stripes (class-dependent period, +-16) + uniform noise (+-10), row-major. */
    private int[][] pixels(int colourClass, int width, int height, Random random) {
        Color colour = colour(colourClass);
        int[] base = {colour.getRed(), colour.getGreen(), colour.getBlue()};
        int period = 2 + colourClass % 4;
        int[][] rgb = new int[width * height][3];
        for (int p = 0; p < rgb.length; p++) {
            int stripe = (p / width / period) % 2 == 0 ? 16 : -16;
            for (int c = 0; c < 3; c++) {
                rgb[p][c] = Math.max(0, Math.min(255, base[c] + stripe + random.nextInt(21) - 10));
            }
        }
        return rgb;
    }

    private static int meanOf(int[][] rgb) {
        long[] sum = new long[3];
        for (int[] p : rgb) {
            for (int c = 0; c < 3; c++) {
                sum[c] += p[c];
            }
        }
        int[] mean = new int[3];
        for (int c = 0; c < 3; c++) {
            mean[c] = (int) Math.round((double) sum[c] / rgb.length);
        }
        return (mean[0] << 16) | (mean[1] << 8) | mean[2];
    }

    private void write(String path, byte[] bytes) throws IOException {
        Files.write(root.resolve(path), bytes);
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "png", out)) {
            throw new IllegalStateException("no ImageIO PNG writer");
        }
        return out.toByteArray();
    }

    private static byte[] jpeg(RenderedImage image) throws IOException {
        return encodeJpeg(new IIOImage(image, null, null));
    }

    /**
     * A 4-component JPEG: the JDK writer stores a 4-band raster's samples as they are (no colour transform), and an
     * Adobe APP14 marker with transform 0 inserted after SOI says "CMYK". Samples are inverted (255 = no ink), the
     * convention of Photoshop's Adobe CMYK JPEGs that readers apply when the marker is present.
     */
    private static byte[] cmykJpeg(int[][] rgb, int width, int height) throws IOException {
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, width, height, 4, null);
        for (int p = 0; p < rgb.length; p++) {
            double r = rgb[p][0] / 255.0;
            double g = rgb[p][1] / 255.0;
            double b = rgb[p][2] / 255.0;
            double k = 1 - Math.max(r, Math.max(g, b));
            double scale = k < 1 ? 1 - k : 1;
            double[] cmyk = {(1 - r - k) / scale, (1 - g - k) / scale, (1 - b - k) / scale, k};
            for (int c = 0; c < 4; c++) {
                raster.setSample(p % width, p / width, c, 255 - (int) Math.round(cmyk[c] * 255));
            }
        }
        byte[] plain = encodeJpeg(new IIOImage(raster, null, null));
        byte[] adobe = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0};
        byte[] out = new byte[plain.length + adobe.length];
        System.arraycopy(plain, 0, out, 0, 2);
        System.arraycopy(adobe, 0, out, 2, adobe.length);
        System.arraycopy(plain, 2, out, 2 + adobe.length, plain.length - 2);
        return out;
    }

    private static byte[] encodeJpeg(IIOImage image) {
        return JpegEncoder.encode(image, JPEG_QUALITY, false);
    }
}
