package ai.synergy.data.image;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.RenderedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Images made in code for the tests: patterns, and their bytes in several formats (including CMYK JPEG). */
final class TestImages {

    /** Quadrant colours, top-left, top-right, bottom-left, bottom-right. */
    static final int[][] QUADRANTS = {{230, 20, 20}, {20, 200, 30}, {25, 30, 220}, {240, 240, 240}};

    private TestImages() {
    }

    /** A width x height image of four flat quadrants in {@link #QUADRANTS} colours. */
    static BufferedImage quadrants(int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int[] c = QUADRANTS[quadrant(x, y, width, height)];
                img.setRGB(x, y, c[0] << 16 | c[1] << 8 | c[2]);
            }
        }
        return img;
    }

    static int quadrant(int x, int y, int width, int height) {
        return (y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1);
    }

    /** A smooth gradient with a little structure, the kind of content JPEG handles well. */
    static RgbImage gradient(int width, int height) {
        byte[] rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = (y * width + x) * 3;
                rgb[i] = (byte) (x * 255 / Math.max(1, width - 1));
                rgb[i + 1] = (byte) (y * 255 / Math.max(1, height - 1));
                rgb[i + 2] = (byte) (128 + 100 * Math.sin((x + y) / 20.0));
            }
        }
        return new RgbImage(width, height, rgb);
    }

    /** Writes a rendered image with the JDK's writer for the format (not TwelveMonkeys), default settings. */
    static byte[] write(RenderedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A JPEG at quality 0.95, progressive or baseline. */
    static byte[] jpeg(BufferedImage image, boolean progressive) {
        return JpegEncoder.encode(new IIOImage(image, null, null), 0.95f, progressive);
    }

    /**
     * A 4-component Adobe JPEG as Photoshop writes them (and ImageNet's CMYK files are): ink values C, M, Y, K per
     * quadrant, stored inverted (255 - ink) with an APP14 "Adobe" marker of transform 0 (CMYK) or, if ycck, of
     * transform 2 with the first three inverted channels stored as YCbCr. The JDK writer encodes the 4-band raster
     * as is, without colour conversion or subsampling; the APP14 segment is spliced in after SOI.
     */
    static byte[] adobeCmykJpeg(int[][] inkPerQuadrant, int width, int height, boolean ycck) {
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, width, height, 4, null);
        int[] stored = new int[4];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int[] ink = inkPerQuadrant[quadrant(x, y, width, height)];
                for (int c = 0; c < 4; c++) {
                    stored[c] = 255 - ink[c];
                }
                if (ycck) {
                    // libjpeg's CMYK -> YCCK: R = 255 - stored C (= ink C) etc., then RGB -> YCbCr; K unchanged
                    double r = ink[0];
                    double g = ink[1];
                    double b = ink[2];
                    stored[0] = clamp(0.299 * r + 0.587 * g + 0.114 * b);
                    stored[1] = clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
                    stored[2] = clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
                }
                raster.setPixel(x, y, stored);
            }
        }
        byte[] jpeg = JpegEncoder.encode(new IIOImage(raster, null, null), 1f, false);
        byte[] app14 = {(byte) 0xff, (byte) 0xee, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0,
                (byte) (ycck ? 2 : 0)};
        byte[] result = new byte[jpeg.length + app14.length];
        System.arraycopy(jpeg, 0, result, 0, 2);
        System.arraycopy(app14, 0, result, 2, app14.length);
        System.arraycopy(jpeg, 2, result, 2 + app14.length, jpeg.length - 2);
        return result;
    }

    /** The number of components in the first SOF0/SOF2 segment of a JPEG, or -1 if none. */
    static int jpegComponents(byte[] jpeg) {
        int i = 2;
        while (i + 9 < jpeg.length) {
            int marker = jpeg[i + 1] & 0xff;
            int length = (jpeg[i + 2] & 0xff) << 8 | (jpeg[i + 3] & 0xff);
            if (marker == 0xc0 || marker == 0xc2) {
                return jpeg[i + 9] & 0xff;
            }
            i += 2 + length;
        }
        return -1;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

}
