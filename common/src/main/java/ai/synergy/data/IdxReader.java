package ai.synergy.data;

import ai.synergy.config.InvalidInputException;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads MNIST-style IDX image and label files (plain or gzip-compressed) into {@link LabeledImages}.
 *
 * <p>Images must be IDX type unsigned byte with 3 dimensions (magic {@code 0x00000803}: count, rows, columns),
 * labels unsigned byte with 1 dimension (magic {@code 0x00000801}). Gzip is detected by its magic bytes, not by
 * the file name. Every problem is reported as an {@link InvalidInputException} naming the file.
 */
public final class IdxReader {

    /** Magic number of an IDX file of unsigned bytes with 3 dimensions (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX file of unsigned bytes with 1 dimension (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int BUFFER_SIZE = 1 << 16;
    private static final String INSTALL_HINT =
            " (for the default Fashion-MNIST data: apt-get install dataset-fashion-mnist)";

    private IdxReader() {
    }

    /** Reads an images file and a labels file; a missing file is reported with an install hint. */
    public static LabeledImages read(Path imagesFile, Path labelsFile) {
        requireExists(imagesFile, "images");
        requireExists(labelsFile, "labels");
        try (InputStream images = Files.newInputStream(imagesFile);
             InputStream labels = Files.newInputStream(labelsFile)) {
            return read(images, imagesFile.toString(), labels, labelsFile.toString());
        } catch (IOException e) {
            throw new InvalidInputException("cannot open IDX files " + imagesFile + " and " + labelsFile
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads images and labels from streams (plain or gzip); the names are used in error messages only.
     * The streams are read to the end but not closed.
     */
    public static LabeledImages read(InputStream images, String imagesName, InputStream labels, String labelsName) {
        ImagesPart img = readImages(images, imagesName);
        byte[] lab = readLabels(labels, labelsName);
        if (lab.length != img.count) {
            throw new InvalidInputException("label count " + lab.length + " in " + labelsName
                    + " does not match image count " + img.count + " in " + imagesName);
        }
        return new LabeledImages(img.pixels, lab, img.count, 1, img.rows, img.cols);
    }

    /**
     * A short identity of the data (first 16 hex characters of a SHA-256 over the dimensions, pixels and labels),
     * recorded in checkpoint provenance.
     */
    public static String fingerprint(LabeledImages d) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
        sha.update(ByteBuffer.allocate(16).putInt(d.count()).putInt(d.channels())
                .putInt(d.height()).putInt(d.width()).array());
        sha.update(d.pixels());
        sha.update(d.labels());
        return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    }

    private record ImagesPart(byte[] pixels, int count, int rows, int cols) {
    }

    private static ImagesPart readImages(InputStream raw, String name) {
        try (InputStream in = open(raw, name)) {
            readMagic(in, name, IMAGES_MAGIC, "images (unsigned byte, 3 dimensions)");
            int count = readDim(in, name, "image count");
            int rows = readDim(in, name, "rows");
            int cols = readDim(in, name, "columns");
            long total = (long) count * rows * cols;
            if (total > Integer.MAX_VALUE - 8) {
                throw new InvalidInputException(name + ": header promises " + count + " images of " + rows + "x"
                        + cols + " = " + total + " bytes, more than one Java array can hold");
            }
            byte[] pixels = new byte[(int) total];
            int got = readFully(in, pixels, name);
            if (got < pixels.length) {
                throw new InvalidInputException(name + ": truncated IDX file: header promises " + count
                        + " images of " + rows + "x" + cols + " (" + total + " bytes) but only " + got
                        + " bytes of pixel data follow");
            }
            requireEnd(in, name, count + " images of " + rows + "x" + cols);
            return new ImagesPart(pixels, count, rows, cols);
        } catch (IOException e) {
            throw ioFailure(name, e);
        }
    }

    private static byte[] readLabels(InputStream raw, String name) {
        try (InputStream in = open(raw, name)) {
            readMagic(in, name, LABELS_MAGIC, "labels (unsigned byte, 1 dimension)");
            int count = readDim(in, name, "label count");
            byte[] labels = new byte[count];
            int got = readFully(in, labels, name);
            if (got < labels.length) {
                throw new InvalidInputException(name + ": truncated IDX file: header promises " + count
                        + " labels but only " + got + " bytes of label data follow");
            }
            requireEnd(in, name, count + " labels");
            return labels;
        } catch (IOException e) {
            throw ioFailure(name, e);
        }
    }

    /**
     * Wraps the stream in a buffer and, when it starts with the gzip magic bytes, a decompressor. The returned
     * stream's close() leaves the caller's stream open.
     */
    private static InputStream open(InputStream raw, String name) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(new NonClosing(raw), BUFFER_SIZE);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        if (b0 == -1) {
            throw new InvalidInputException(name + ": empty file (0 bytes), expected an IDX header");
        }
        if (b0 == 0x1f && b1 == 0x8b) {
            try {
                return new BufferedInputStream(new GZIPInputStream(buffered, BUFFER_SIZE), BUFFER_SIZE);
            } catch (ZipException | EOFException e) {
                throw new InvalidInputException(name + ": corrupt gzip data (" + e.getMessage() + ")", e);
            }
        }
        return buffered;
    }

    private static void readMagic(InputStream in, String name, int expected, String what) throws IOException {
        byte[] header = new byte[4];
        int got = readFully(in, header, name);
        if (got == 0) {
            throw new InvalidInputException(name + ": empty file (no data after decompression), expected an IDX header");
        }
        if (got < 4) {
            throw new InvalidInputException(name + ": truncated IDX file: only " + got + " bytes, shorter than the"
                    + " 4-byte magic number");
        }
        int magic = ByteBuffer.wrap(header).getInt();
        if (magic != expected) {
            String hint = magic == IMAGES_MAGIC ? " (this is an images file)"
                    : magic == LABELS_MAGIC ? " (this is a labels file)" : " (not an IDX file of unsigned bytes?)";
            throw new InvalidInputException(String.format("%s: bad magic number 0x%08x, expected 0x%08x for IDX %s%s",
                    name, magic, expected, what, hint));
        }
    }

    private static int readDim(InputStream in, String name, String what) throws IOException {
        byte[] b = new byte[4];
        if (readFully(in, b, name) < 4) {
            throw new InvalidInputException(name + ": truncated IDX file: header ends before the " + what);
        }
        int value = ByteBuffer.wrap(b).getInt();
        if (value <= 0) {
            throw new InvalidInputException(name + ": bad IDX header: " + what + " is " + value + ", must be positive");
        }
        return value;
    }

    private static void requireEnd(InputStream in, String name, String promised) throws IOException {
        int extra = in.read();
        if (extra != -1) {
            throw new InvalidInputException(name + ": corrupt IDX file: extra bytes after the " + promised
                    + " the header promises");
        }
    }

    /** Reads until {@code buf} is full or the stream ends; returns the number of bytes read. */
    private static int readFully(InputStream in, byte[] buf, String name) throws IOException {
        int off = 0;
        try {
            while (off < buf.length) {
                int n = in.read(buf, off, buf.length - off);
                if (n < 0) {
                    break;
                }
                off += n;
            }
        } catch (EOFException e) {
            // GZIPInputStream: the compressed data stops mid-stream.
            throw new InvalidInputException(name + ": truncated gzip data after " + off + " bytes of the "
                    + buf.length + " expected (" + e.getMessage() + ")", e);
        }
        return off;
    }

    private static InvalidInputException ioFailure(String name, IOException e) {
        if (e instanceof ZipException) {
            return new InvalidInputException(name + ": corrupt gzip data (" + e.getMessage() + ")", e);
        }
        return new InvalidInputException(name + ": cannot read IDX file: " + e, e);
    }

    private static void requireExists(Path file, String what) {
        if (!Files.exists(file)) {
            throw new InvalidInputException("IDX " + what + " file " + file + " does not exist" + INSTALL_HINT);
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException("IDX " + what + " file " + file + " is not a regular file");
        }
    }

    /** Shields the caller's stream from close(). */
    private static final class NonClosing extends FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
            // the caller owns the stream
        }
    }
}
