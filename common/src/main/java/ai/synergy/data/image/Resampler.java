package ai.synergy.data.image;

import java.util.Objects;

/**
 * Antialiased separable bilinear (triangle filter) resampling, hand-written for the data-loading hot path.
 *
 * <p>The filter is Pillow's {@code BILINEAR} resize ({@code Resample.c}), which torchvision's {@code antialias=True}
 * also follows: when reducing by a factor s the triangle's support widens to s source pixels on each side, so
 * downscales do not alias; output pixel i of an axis is centred at source coordinate {@code in0 + (i + 0.5) * s};
 * the filter window is clipped to the image (not to the crop box, so a crop equals a crop of a resized whole image)
 * and its weights renormalised. Weights are computed in double and applied in float, without Pillow's intermediate
 * 8-bit rounding. Coordinates are at pixel edges: pixel x covers [x, x + 1).
 *
 * <p>Per call, one weight table per axis is precomputed, then a horizontal pass over the needed source rows into a
 * planar float buffer, and a vertical pass over contiguous rows; nothing is allocated per pixel.
 */
public final class Resampler {

    private Resampler() {
    }

    /**
     * Resamples the source region [x0, x0 + cropWidth) x [y0, y0 + cropHeight) (may be fractional; must lie inside
     * the image) to outWidth x outHeight and writes planar CHW floats in [0, 1]: channel c, row y, column x at
     * {@code out[offset + (c * outHeight + y) * outWidth + x]}. With flipHorizontal the output is mirrored
     * left-right.
     */
    public static void cropResize(RgbImage src, double x0, double y0, double cropWidth, double cropHeight,
                                  int outWidth, int outHeight, boolean flipHorizontal, float[] out, int offset) {
        Objects.requireNonNull(out, "out");
        checkArguments(src, x0, y0, cropWidth, cropHeight, outWidth, outHeight);
        int plane = outWidth * outHeight;
        if (offset < 0 || (long) offset + 3L * plane > out.length) {
            throw new IllegalArgumentException("out (length " + out.length + ") must hold 3*" + outWidth + "*"
                    + outHeight + " floats from offset " + offset);
        }
        Taps vertical = Taps.of(src.height(), y0, cropHeight, outHeight);
        int rowLo = vertical.first();
        float[] rows = horizontalPass(src, Taps.of(src.width(), x0, cropWidth, outWidth), rowLo, vertical.end(),
                flipHorizontal);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < outHeight; y++) {
                int at = offset + (c * outHeight + y) * outWidth;
                verticalPass(vertical, y, c, rows, rowLo, outWidth, out, at);
                for (int i = at, end = at + outWidth; i < end; i++) {
                    out[i] = Math.min(1f, out[i] / 255f);
                }
            }
        }
    }

    /** Resizes the whole image to outWidth x outHeight with the same filter; values rounded and clamped to 0..255. */
    public static RgbImage resize(RgbImage src, int outWidth, int outHeight) {
        Objects.requireNonNull(src, "src");
        checkArguments(src, 0, 0, src.width(), src.height(), outWidth, outHeight);
        Taps vertical = Taps.of(src.height(), 0, src.height(), outHeight);
        int rowLo = vertical.first();
        float[] rows = horizontalPass(src, Taps.of(src.width(), 0, src.width(), outWidth), rowLo, vertical.end(),
                false);
        byte[] rgb = new byte[outWidth * outHeight * 3];
        float[] acc = new float[outWidth];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < outHeight; y++) {
                verticalPass(vertical, y, c, rows, rowLo, outWidth, acc, 0);
                for (int x = 0, o = y * outWidth * 3 + c; x < outWidth; x++, o += 3) {
                    rgb[o] = (byte) Math.min(255, Math.max(0, (int) (acc[x] + 0.5f)));
                }
            }
        }
        return new RgbImage(outWidth, outHeight, rgb);
    }

    /**
     * Resizes so that the shorter side becomes shortSide, keeping the aspect ratio (the longer side is rounded to
     * the nearest integer); returns src itself if it already has that size.
     */
    public static RgbImage resizeShortSide(RgbImage src, int shortSide) {
        Objects.requireNonNull(src, "src");
        if (shortSide < 1) {
            throw new IllegalArgumentException("shortSide must be >= 1, got " + shortSide);
        }
        int w = src.width();
        int h = src.height();
        int outW;
        int outH;
        if (w <= h) {
            outW = shortSide;
            outH = (int) Math.max(1, Math.round((double) h * shortSide / w));
        } else {
            outH = shortSide;
            outW = (int) Math.max(1, Math.round((double) w * shortSide / h));
        }
        return outW == w && outH == h ? src : resize(src, outW, outH);
    }

    private static void checkArguments(RgbImage src, double x0, double y0, double cropWidth, double cropHeight,
                                       int outWidth, int outHeight) {
        Objects.requireNonNull(src, "src");
        if (outWidth < 1 || outHeight < 1 || 3L * outWidth * outHeight > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("output size must be >= 1 and fit one array, got " + outWidth + "x"
                    + outHeight);
        }
        if (!(cropWidth > 0) || !(cropHeight > 0)) {
            throw new IllegalArgumentException("crop size must be > 0, got " + cropWidth + "x" + cropHeight);
        }
        if (!(x0 >= 0) || !(y0 >= 0) || !(x0 + cropWidth <= src.width()) || !(y0 + cropHeight <= src.height())) {
            throw new IllegalArgumentException("crop [" + x0 + ", " + (x0 + cropWidth) + ") x [" + y0 + ", "
                    + (y0 + cropHeight) + ") must lie inside the " + src.width() + "x" + src.height() + " image");
        }
    }

    /**
     * Filters source rows rowLo .. rowHi - 1 horizontally. The result is planar per row, values on the 0..255 scale:
     * row r, channel c, output column x at {@code rows[((r - rowLo) * 3 + c) * outWidth + x]}, columns mirrored if
     * flip.
     */
    private static float[] horizontalPass(RgbImage src, Taps taps, int rowLo, int rowHi, boolean flip) {
        final byte[] rgb = src.rgb();
        final int srcRowLen = src.width() * 3;
        final int[] starts = taps.start;
        final int[] counts = taps.count;
        final float[] weights = taps.weights;
        final int stride = taps.stride;
        final int outWidth = starts.length;
        float[] rows = new float[(rowHi - rowLo) * 3 * outWidth];
        for (int r = rowLo; r < rowHi; r++) {
            final int srcRow = r * srcRowLen;
            final int red = (r - rowLo) * 3 * outWidth;
            final int green = red + outWidth;
            final int blue = green + outWidth;
            for (int x = 0; x < outWidth; x++) {
                int p = srcRow + starts[x] * 3;
                int w = x * stride;
                final int wEnd = w + counts[x];
                float sumR = 0f;
                float sumG = 0f;
                float sumB = 0f;
                for (; w < wEnd; w++, p += 3) {
                    final float k = weights[w];
                    sumR += k * (rgb[p] & 0xff);
                    sumG += k * (rgb[p + 1] & 0xff);
                    sumB += k * (rgb[p + 2] & 0xff);
                }
                final int xo = flip ? outWidth - 1 - x : x;
                rows[red + xo] = sumR;
                rows[green + xo] = sumG;
                rows[blue + xo] = sumB;
            }
        }
        return rows;
    }

    /** Filters channel c of output row y vertically into {@code dst[at .. at + outWidth)} (0..255 scale). */
    private static void verticalPass(Taps taps, int y, int c, float[] rows, int rowLo, int outWidth,
                                     float[] dst, int at) {
        final int rowStride = 3 * outWidth;
        int w = y * taps.stride;
        int base = (taps.start[y] - rowLo) * rowStride + c * outWidth;
        final float first = taps.weights[w];
        for (int x = 0; x < outWidth; x++) {
            dst[at + x] = first * rows[base + x];
        }
        for (int k = 1, n = taps.count[y]; k < n; k++) {
            final float weight = taps.weights[w + k];
            final int b = base + k * rowStride;
            for (int x = 0; x < outWidth; x++) {
                dst[at + x] += weight * rows[b + x];
            }
        }
    }

    /**
     * One axis's filter: output i reads source pixels start[i] .. start[i] + count[i] - 1 with weights
     * {@code weights[i * stride + k]}, which sum to 1. Zero weights at the window ends are trimmed.
     */
    private record Taps(int[] start, int[] count, float[] weights, int stride) {

        static Taps of(int inSize, double in0, double length, int outSize) {
            double scale = length / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filterScale;
            int stride = (int) Math.ceil(support) * 2 + 1;
            int[] start = new int[outSize];
            int[] count = new int[outSize];
            float[] weights = new float[outSize * stride];
            double[] w = new double[stride + 1];
            for (int i = 0; i < outSize; i++) {
                double center = in0 + (i + 0.5) * scale;
                int lo = Math.max((int) Math.floor(center - support + 0.5), 0);
                int hi = Math.min((int) Math.floor(center + support + 0.5), inSize);
                double sum = 0;
                for (int j = lo; j < hi; j++) {
                    w[j - lo] = triangle((j - center + 0.5) / filterScale);
                    sum += w[j - lo];
                }
                int first = 0;
                int last = hi - lo - 1;
                while (first <= last && w[first] == 0) {
                    first++;
                }
                while (last >= first && w[last] == 0) {
                    last--;
                }
                start[i] = lo + first;
                count[i] = last - first + 1;
                for (int k = 0; k < count[i]; k++) {
                    weights[i * stride + k] = (float) (w[first + k] / sum);
                }
            }
            return new Taps(start, count, weights, stride);
        }

        private static double triangle(double x) {
            double a = Math.abs(x);
            return a < 1.0 ? 1.0 - a : 0.0;
        }

        /** The first source index any output reads. */
        int first() {
            int m = Integer.MAX_VALUE;
            for (int i = 0; i < start.length; i++) {
                m = Math.min(m, start[i]);
            }
            return m;
        }

        /** One past the last source index any output reads. */
        int end() {
            int m = 0;
            for (int i = 0; i < start.length; i++) {
                m = Math.max(m, start[i] + count[i]);
            }
            return m;
        }
    }
}
