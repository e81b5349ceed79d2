package ai.synergy.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * An in-memory image classification data set: unsigned 8-bit pixels stored NCHW contiguously, one label byte per image.
 *
 * <p>Pixel {@code (n, c, y, x)} is at {@code pixels[((n * channels + c) * height + y) * width + x]}; read it with
 * {@code Byte.toUnsignedInt}. Labels are unsigned too (0..255). Equality compares the array contents.
 *
 * @param pixels   {@code count * channels * height * width} unsigned bytes
 * @param labels   {@code count} unsigned class indices
 * @param count    number of images
 * @param channels channels per image (1 for grey scale)
 * @param height   rows per image
 * @param width    columns per image
 */
public record LabeledImages(byte[] pixels, byte[] labels, int count, int channels, int height, int width) {

    /** Checks that the arrays hold exactly the promised number of images. */
    public LabeledImages {
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(labels, "labels");
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException(
                    "channels, height and width must be positive, got " + channels + "x" + height + "x" + width);
        }
        long expectedPixels = (long) count * channels * height * width;
        if (pixels.length != expectedPixels) {
            throw new IllegalArgumentException("pixels has " + pixels.length + " bytes but " + count + " images of "
                    + channels + "x" + height + "x" + width + " need " + expectedPixels);
        }
        if (labels.length != count) {
            throw new IllegalArgumentException("labels has " + labels.length + " entries but count is " + count);
        }
    }

    /** Bytes per image: {@code channels * height * width}. */
    public int imageSize() {
        return channels * height * width;
    }

    /** Unsigned label of image {@code i}. */
    public int label(int i) {
        return Byte.toUnsignedInt(labels[i]);
    }

    /** Number of classes, taken as the largest label + 1 (0 for an empty set). */
    public int numClasses() {
        int max = -1;
        for (byte b : labels) {
            max = Math.max(max, Byte.toUnsignedInt(b));
        }
        return max + 1;
    }

    /** A copy holding the chosen images, in the order given (indices may repeat). */
    public LabeledImages subset(int[] indices) {
        Objects.requireNonNull(indices, "indices");
        int size = imageSize();
        byte[] newPixels = new byte[Math.multiplyExact(indices.length, size)];
        byte[] newLabels = new byte[indices.length];
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            if (i < 0 || i >= count) {
                throw new IndexOutOfBoundsException(
                        "subset index " + i + " (position " + k + ") is outside 0.." + (count - 1));
            }
            System.arraycopy(pixels, i * size, newPixels, k * size, size);
            newLabels[k] = labels[i];
        }
        return new LabeledImages(newPixels, newLabels, indices.length, channels, height, width);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabeledImages other
                && count == other.count && channels == other.channels
                && height == other.height && width == other.width
                && Arrays.equals(labels, other.labels) && Arrays.equals(pixels, other.pixels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(count, channels, height, width, Arrays.hashCode(labels), Arrays.hashCode(pixels));
    }

    @Override
    public String toString() {
        return "LabeledImages[count=" + count + ", channels=" + channels + ", height=" + height + ", width=" + width + "]";
    }
}
