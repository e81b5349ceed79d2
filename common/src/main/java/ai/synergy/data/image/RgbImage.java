package ai.synergy.data.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.util.Arrays;
import java.util.Objects;

/**
 * An 8-bit RGB image, interleaved row-major HWC: {@code rgb[(y * width + x) * 3 + c]} with c = 0 red, 1 green, 2 blue.
 *
 * <p>The array is shared, not copied (images are large and made once per record on the hot path): callers must not
 * modify it after construction. Equality and hash code are by dimensions and pixel content.
 *
 * @param width  width in pixels, at least 1
 * @param height height in pixels, at least 1
 * @param rgb    {@code width * height * 3} bytes, unsigned
 */
public record RgbImage(int width, int height, byte[] rgb) {

    /** Checks the dimensions and the array length. */
    public RgbImage {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("width and height must be >= 1, got " + width + "x" + height);
        }
        Objects.requireNonNull(rgb, "rgb");
        if ((long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException("rgb.length must be width*height*3 = " + (long) width * height * 3
                    + " for " + width + "x" + height + ", got " + rgb.length);
        }
    }

    /** The unsigned value (0..255) of channel c at (x, y). */
    public int get(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }

    /**
     * Converts any BufferedImage to RGB. Grey is replicated to three channels; alpha is dropped (the stored colour
     * is kept, not composited, as PIL's {@code convert("RGB")} does). 8-bit RGB and 8/16-bit grey samples are taken
     * as stored, ignoring any embedded colour profile (as PIL does); all other models go through
     * {@link BufferedImage#getRGB}.
     */
    public static RgbImage of(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        if ((long) w * h * 3 > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("image too large for one byte array: " + w + "x" + h);
        }
        byte[] rgb = new byte[w * h * 3];
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        int colorSpace = cm.getColorSpace().getType();
        if (isPlainBgr(image)) {
            byte[] bgr = ((DataBufferByte) raster.getDataBuffer()).getData();
            for (int i = 0; i < rgb.length; i += 3) {
                rgb[i] = bgr[i + 2];
                rgb[i + 1] = bgr[i + 1];
                rgb[i + 2] = bgr[i];
            }
        } else if (cm instanceof ComponentColorModel && colorSpace == ColorSpace.TYPE_RGB
                && raster.getTransferType() == DataBuffer.TYPE_BYTE && raster.getNumBands() >= 3) {
            copyRgbBytes(raster, w, h, rgb);
        } else if (cm instanceof ComponentColorModel && colorSpace == ColorSpace.TYPE_GRAY
                && (raster.getTransferType() == DataBuffer.TYPE_BYTE
                || raster.getTransferType() == DataBuffer.TYPE_USHORT)) {
            copyGrey(raster, w, h, cm.getComponentSize(0), rgb);
        } else {
            copyViaGetRgb(image, w, h, rgb);
        }
        return new RgbImage(w, h, rgb);
    }

    /** A TYPE_3BYTE_BGR copy of this image. */
    public BufferedImage toBufferedImage() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        return image;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage other && width == other.width && height == other.height
                && Arrays.equals(rgb, other.rgb);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(rgb);
    }

    @Override
    public String toString() {
        return "RgbImage[width=" + width + ", height=" + height + "]";
    }

    private static boolean isPlainBgr(BufferedImage image) {
        Raster raster = image.getRaster();
        if (image.getType() != BufferedImage.TYPE_3BYTE_BGR
                || !(raster.getSampleModel() instanceof PixelInterleavedSampleModel sm)
                || !(raster.getDataBuffer() instanceof DataBufferByte buffer)) {
            return false;
        }
        int[] offsets = sm.getBandOffsets();
        return sm.getPixelStride() == 3 && sm.getScanlineStride() == 3 * image.getWidth()
                && offsets[0] == 2 && offsets[1] == 1 && offsets[2] == 0
                && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0
                && buffer.getNumBanks() == 1 && buffer.getOffset() == 0
                && buffer.getData().length == 3 * image.getWidth() * image.getHeight();
    }

    private static void copyRgbBytes(Raster raster, int w, int h, byte[] rgb) {
        int bands = raster.getNumBands();
        byte[] row = new byte[w * bands];
        for (int y = 0; y < h; y++) {
            raster.getDataElements(raster.getMinX(), raster.getMinY() + y, w, 1, row);
            int o = y * w * 3;
            for (int x = 0; x < w; x++) {
                int i = x * bands;
                rgb[o++] = row[i];
                rgb[o++] = row[i + 1];
                rgb[o++] = row[i + 2];
            }
        }
    }

    private static void copyGrey(Raster raster, int w, int h, int bits, byte[] rgb) {
        int[] row = new int[w];
        int shift = Math.max(0, bits - 8);
        for (int y = 0; y < h; y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, 0, row);
            int o = y * w * 3;
            for (int x = 0; x < w; x++) {
                byte v = (byte) (row[x] >>> shift);
                rgb[o++] = v;
                rgb[o++] = v;
                rgb[o++] = v;
            }
        }
    }

    private static void copyViaGetRgb(BufferedImage image, int w, int h, byte[] rgb) {
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            int o = y * w * 3;
            for (int x = 0; x < w; x++) {
                int argb = row[x];
                rgb[o++] = (byte) (argb >> 16);
                rgb[o++] = (byte) (argb >> 8);
                rgb[o++] = (byte) argb;
            }
        }
    }
}
