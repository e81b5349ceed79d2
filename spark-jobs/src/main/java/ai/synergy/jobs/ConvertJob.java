package ai.synergy.jobs;

import ai.synergy.config.InvalidInputException;
import ai.synergy.config.InvalidSettingException;
import ai.synergy.config.Require;
import ai.synergy.data.IdxReader;
import ai.synergy.data.LabeledImages;
import ai.synergy.data.image.JpegEncoder;
import ai.synergy.dataset.DataSpec;
import ai.synergy.io.HadoopFiles;
import ai.synergy.prepare.IlsvrcLayout;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import javax.imageio.IIOImage;

/**
 * Converts an IDX data set (Fashion-MNIST layout) into a folder laid out exactly like ILSVRC-2012 (the Kaggle "LOC"
 * release), holding real greyscale JPEG files, so the ImageNet path can run end to end on images of known difficulty.
 *
 * <p>Written under the output folder (any Hadoop URI):
 * <ul>
 *   <li>{@code train/<wnid>/<wnid>_<n>.JPEG}: training image {@code n} (1-based position in the IDX file);</li>
 *   <li>{@code val/ILSVRC2012_val_<8-digit n>.JPEG}: test image {@code n} (1-based);</li>
 *   <li>{@code LOC_val_solution.csv}: {@code ImageId,PredictionString}, one row per validation image,
 *       {@code <wnid> 0 0 <w-1> <h-1>} (the label is the first token, then one whole-image box);</li>
 *   <li>{@code ILSVRC2012_validation_ground_truth.txt}: line {@code n} = 1-based class id of validation image n, in
 *       the order of the synset file;</li>
 *   <li>{@code LOC_synset_mapping.txt}: {@code <wnid> <name>} per class in class order, written last, so a folder
 *       without it is an unfinished conversion.</li>
 * </ul>
 * The wnids are synthetic ({@link #wnid}): {@code n00001000} for class 0, {@code n00001001} for class 1, ..., so
 * their sorted order is the class order. No Spark is needed.
 */
public final class ConvertJob {

    /** Fashion-MNIST's class names, in label order. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private static final String[] IDX_FILES = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
    private static final String INSTALL_HINT =
            " (for the default Fashion-MNIST data: apt-get install dataset-fashion-mnist)";
    private static final int MAX_SIZE = 4096;

    /**
     * What to convert and how.
     *
     * @param input      folder URI of the four IDX files (default {@link DataSpec#FASHION_MNIST_DIR})
     * @param output     folder URI to create; must not exist or be empty
     * @param trainLimit convert only the first N training images (0 = all)
     * @param valLimit   convert only the first N test images (0 = all)
     * @param quality    JPEG quality in (0, 1] (default 0.95: about 1 grey level of error on average; lower is
     *                   smaller files and more blocking)
     * @param size       side of the square JPEGs in pixels, scaled bilinearly (0 = keep the IDX size, 28x28)
     * @param classNames class names in label order; empty = Fashion-MNIST's when the input folder is named
     *                   {@code fashion-mnist}, otherwise {@code class 0}, {@code class 1}, ...
     */
    public record Options(String input, String output, int trainLimit, int valLimit, double quality, int size,
                          List<String> classNames) {

        /** The default JPEG quality. */
        public static final double DEFAULT_QUALITY = 0.95;

        /** Checks every field, naming it. */
        public Options {
            Require.that(input != null && !input.isBlank(), "input", "must name the folder of the IDX files, got '"
                    + input + "'");
            Require.that(output != null && !output.isBlank(), "output", "must name a folder URI, got '" + output + "'");
            Require.atLeast("trainLimit", trainLimit, 0);
            Require.atLeast("valLimit", valLimit, 0);
            Require.inLeftOpen("quality", quality, 0, 1);
            Require.that(size >= 0 && size <= MAX_SIZE, "size", "must be 0 (keep) or 1.." + MAX_SIZE + ", got "
                    + size);
            classNames = classNames == null ? List.of() : List.copyOf(classNames);
            for (String name : classNames) {
                if (name.isBlank() || name.contains("\n") || name.contains("\r")) {
                    throw new InvalidSettingException("classNames", ": a class name must be non-blank and on one "
                            + "line, got '" + name + "'");
                }
            }
        }

        /** All of the input, 28x28, quality 0.95, default names. */
        public static Options of(String input, String output) {
            return new Options(input, output, 0, 0, DEFAULT_QUALITY, 0, List.of());
        }

        /** The same, converting only the first {@code train} training and {@code val} test images (0 = all). */
        public Options limit(int train, int val) {
            return new Options(input, output, train, val, quality, size, classNames);
        }
    }

    /**
     * What was written.
     *
     * @param train         training JPEGs written
     * @param val           validation JPEGs written
     * @param classes       classes in the synset file
     * @param trainPerClass training JPEGs per class, in class order
     * @param width         width of the written images in pixels
     * @param height        height of the written images in pixels
     * @param seconds       wall time of the conversion
     */
    public record Result(int train, int val, int classes, List<Integer> trainPerClass, int width, int height,
                         double seconds) {
        /** Copies the per-class counts. */
        public Result {
            trainPerClass = List.copyOf(trainPerClass);
        }
    }

    private final Options options;
    private final Configuration hadoopConf;

    private ConvertJob(Options options, Configuration hadoopConf) {
        this.options = options;
        this.hadoopConf = hadoopConf;
    }

    /** Runs a conversion; bad input (missing IDX file, non-empty output folder) is an {@link InvalidInputException}. */
    public static Result run(Options options, Configuration hadoopConf) throws IOException {
        return new ConvertJob(options, hadoopConf).run();
    }

    /** The synthetic wnid of class {@code k}: {@code n%08d} of {@code 1000 + k} (not a real WordNet id). */
    public static String wnid(int classIndex) {
        if (classIndex < 0) {
            throw new IllegalArgumentException("class index must be >= 0, got " + classIndex);
        }
        return String.format(Locale.ROOT, "n%08d", 1000 + classIndex);
    }

    /** File name of validation image {@code n} (1-based), e.g. {@code ILSVRC2012_val_00000001.JPEG}. */
    public static String valFileName(int n) {
        return String.format(Locale.ROOT, "ILSVRC2012_val_%08d.JPEG", n);
    }

    private Result run() throws IOException {
        long start = System.nanoTime();
        HadoopFiles in = HadoopFiles.of(options.input(), hadoopConf);
        for (String name : IDX_FILES) {
            in.requireNonEmptyFile(HadoopFiles.path(inputFile(name)), "--input", INSTALL_HINT);
        }
        HadoopFiles out = HadoopFiles.of(options.output(), hadoopConf);
        Path root = HadoopFiles.path(options.output());
        requireEmptyOutput(out.fileSystem(), root);

        LabeledImages train = read(in, IDX_FILES[0], IDX_FILES[1]);
        LabeledImages val = read(in, IDX_FILES[2], IDX_FILES[3]);
        List<String> names = classNames(Math.max(train.numClasses(), val.numClasses()));

        out.requireWritableDirectory(root, "--output");
        FileSystem fs = out.fileSystem();
        Path trainDir = new Path(root, "train");
        Path valDir = new Path(root, "val");
        for (int k = 0; k < names.size(); k++) {
            fs.mkdirs(new Path(trainDir, wnid(k)));
        }
        fs.mkdirs(valDir);

        GreyJpegs encoder = new GreyJpegs(options.quality(), options.size());
        int trainCount = limit(train.count(), options.trainLimit());
        List<Integer> perClass = new ArrayList<>(Collections.nCopies(names.size(), 0));
        for (int i = 0; i < trainCount; i++) {
            int label = train.label(i);
            String wnid = wnid(label);
            Path file = new Path(new Path(trainDir, wnid), wnid + "_" + (i + 1) + ".JPEG");
            writeNew(fs, file, encoder.encode(train, i));
            perClass.set(label, perClass.get(label) + 1);
        }
        int valCount = limit(val.count(), options.valLimit());
        StringBuilder solution = new StringBuilder("ImageId,PredictionString\n");
        StringBuilder groundTruth = new StringBuilder();
        for (int i = 0; i < valCount; i++) {
            String file = valFileName(i + 1);
            writeNew(fs, new Path(valDir, file), encoder.encode(val, i));
            solution.append(file, 0, file.length() - ".JPEG".length()).append(',').append(wnid(val.label(i)))
                    .append(" 0 0 ").append(encoder.width(val) - 1).append(' ').append(encoder.height(val) - 1)
                    .append('\n');
            groundTruth.append(val.label(i) + 1).append('\n');
        }
        out.writeAtomically(new Path(root, IlsvrcLayout.LOC_VAL_SOLUTION), solution.toString());
        out.writeAtomically(new Path(root, IlsvrcLayout.VAL_GROUND_TRUTH), groundTruth.toString());
        StringBuilder synsets = new StringBuilder();
        for (int k = 0; k < names.size(); k++) {
            synsets.append(wnid(k)).append(' ').append(names.get(k)).append('\n');
        }
        out.writeAtomically(new Path(root, IlsvrcLayout.SYNSET_MAPPING), synsets.toString());
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(trainCount, valCount, names.size(), perClass, encoder.width(train), encoder.height(train),
                seconds);
    }

    private String inputFile(String name) {
        String dir = options.input();
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    private LabeledImages read(HadoopFiles in, String imagesName, String labelsName) throws IOException {
        String imagesUri = inputFile(imagesName);
        String labelsUri = inputFile(labelsName);
        FileSystem fs = in.fileSystem();
        try (InputStream images = fs.open(HadoopFiles.path(imagesUri));
             InputStream labels = fs.open(HadoopFiles.path(labelsUri))) {
            return IdxReader.read(images, imagesUri, labels, labelsUri);
        }
    }

    private void requireEmptyOutput(FileSystem fs, Path root) {
        try {
            if (!fs.exists(root)) {
                return;
            }
            FileStatus status = fs.getFileStatus(root);
            if (!status.isDirectory()) {
                throw new InvalidInputException("--output: " + options.output() + " exists and is not a folder");
            }
            int entries = fs.listStatus(root).length;
            if (entries > 0) {
                throw new InvalidInputException("--output: " + options.output() + " already exists and is not empty ("
                        + entries + " entries); choose a new folder");
            }
        } catch (IOException e) {
            throw new InvalidInputException("--output: cannot inspect " + options.output() + " (" + e.getMessage()
                    + ")", e);
        }
    }

    private List<String> classNames(int labelClasses) {
        List<String> names = options.classNames();
        if (names.isEmpty() && isFashionMnist()) {
            names = FASHION_MNIST_CLASSES;
        }
        if (names.isEmpty()) {
            List<String> generic = new ArrayList<>();
            for (int k = 0; k < labelClasses; k++) {
                generic.add("class " + k);
            }
            return generic;
        }
        if (labelClasses > names.size()) {
            throw new InvalidInputException("--input: " + options.input() + " has labels up to " + (labelClasses - 1)
                    + " but only " + names.size() + " class names are known");
        }
        return names;
    }

    private boolean isFashionMnist() {
        String dir = options.input().replaceAll("/+$", "");
        return dir.substring(dir.lastIndexOf('/') + 1).equals("fashion-mnist");
    }

    private static int limit(int count, int limit) {
        return limit > 0 ? Math.min(limit, count) : count;
    }

    /**
     * Creates a new file (never overwriting) holding {@code bytes}. On the local file system it goes through
     * java.nio: Hadoop's local {@code create} forks a {@code chmod} process per file when its native library is
     * missing (measured: 15 ms a file, 70,000 files in 18 minutes).
     */
    private static void writeNew(FileSystem fs, Path file, byte[] bytes) throws IOException {
        if (fs instanceof LocalFileSystem || fs instanceof RawLocalFileSystem) {
            Files.write(java.nio.file.Path.of(fs.makeQualified(file).toUri()), bytes, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            return;
        }
        try (FSDataOutputStream stream = fs.create(file, false)) {
            stream.write(bytes);
        }
    }

    /** Encodes one grey IDX image as a greyscale JPEG of a given quality, optionally scaled to a square. */
    private static final class GreyJpegs {
        private final float quality;
        private final int size;

        GreyJpegs(double quality, int size) {
            this.quality = (float) quality;
            this.size = size;
        }

        int width(LabeledImages images) {
            return size > 0 ? size : images.width();
        }

        int height(LabeledImages images) {
            return size > 0 ? size : images.height();
        }

        byte[] encode(LabeledImages images, int index) {
            return JpegEncoder.encode(new IIOImage(grey(images, index), null, null), quality, false);
        }

        private BufferedImage grey(LabeledImages images, int index) {
            int w = images.width();
            int h = images.height();
            BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            byte[] target = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            System.arraycopy(images.pixels(), index * images.imageSize(), target, 0, w * h);
            if (size == 0 || (size == w && size == h)) {
                return image;
            }
            BufferedImage scaled = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
            Graphics2D g = scaled.createGraphics();
            try {
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(image, 0, 0, size, size, null);
            } finally {
                g.dispose();
            }
            return scaled;
        }
    }
}
