package ai.synergy.data.image;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ResamplerTest {

    static RgbImage random(int width, int height, long seed) {
        byte[] rgb = new byte[width * height * 3];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) r.nextInt(256);
        }
        return new RgbImage(width, height, rgb);
    }

    /** An image whose three channels all hold f(x, y). */
    static RgbImage grey(int width, int height, java.util.function.IntBinaryOperator f) {
        byte[] rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int v = f.applyAsInt(x, y);
                for (int c = 0; c < 3; c++) {
                    rgb[(y * width + x) * 3 + c] = (byte) v;
                }
            }
        }
        return new RgbImage(width, height, rgb);
    }

    static float at(float[] out, int offset, int w, int h, int c, int x, int y) {
        return out[offset + (c * h + y) * w + x];
    }

    @Test
    void sameSizeCropIsTheSourceOver255Exactly() {
        RgbImage src = random(7, 5, 1);
        float[] out = new float[3 + 3 * 7 * 5];
        Resampler.cropResize(src, 0, 0, 7, 5, 7, 5, false, out, 3);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 5; y++) {
                for (int x = 0; x < 7; x++) {
                    assertThat(at(out, 3, 7, 5, c, x, y)).isEqualTo(src.get(x, y, c) / 255f);
                }
            }
        }
        assertThat(out[0]).isZero();
        float[] inner = new float[3 * 3 * 2];
        Resampler.cropResize(src, 2, 1, 3, 2, 3, 2, false, inner, 0);
        assertThat(at(inner, 0, 3, 2, 1, 2, 1)).isEqualTo(src.get(4, 2, 1) / 255f);
    }

    @Test
    void constantImageStaysConstantUnderAnyCropAndScale() {
        RgbImage src = grey(37, 23, (x, y) -> 123);
        double[][] boxes = {{0, 0, 37, 23}, {1.25, 0.5, 30.5, 20.25}, {10, 10, 3, 2}, {0.1, 0.2, 36.8, 22.7}};
        int[][] sizes = {{5, 4}, {37, 23}, {64, 80}, {1, 1}};
        for (double[] b : boxes) {
            for (int[] s : sizes) {
                float[] out = new float[3 * s[0] * s[1]];
                Resampler.cropResize(src, b[0], b[1], b[2], b[3], s[0], s[1], false, out, 0);
                for (float v : out) {
                    assertThat(v).isCloseTo(123 / 255f, within(1e-6f));
                }
            }
        }
        assertThat(Resampler.resize(src, 11, 50)).isEqualTo(grey(11, 50, (x, y) -> 123));
    }

    @Test
    void halfPixelShiftInterpolatesNeighbours() {
        RgbImage ramp = grey(6, 1, (x, y) -> 10 * x);
        float[] out = new float[3 * 4];
        Resampler.cropResize(ramp, 0.5, 0, 4, 1, 4, 1, false, out, 0);
        assertThat(new float[]{out[0] * 255, out[1] * 255, out[2] * 255, out[3] * 255})
                .containsExactly(new float[]{5, 15, 25, 35}, within(1e-4f));
    }

    @Test
    void halvingUsesTheTriangleKernelOneThreeThreeOne() {
        // columns are 2-pixel blocks 0, 80, 0, 160; Pillow's antialiased bilinear weights are (1, 3, 3, 1) / 8,
        // renormalised where the window is clipped at the image edge
        int[] blocks = {0, 80, 0, 160};
        RgbImage src = grey(8, 2, (x, y) -> blocks[x / 2]);
        float[] out = new float[3 * 4];
        Resampler.cropResize(src, 0, 0, 8, 2, 4, 1, false, out, 0);
        float[] expected = {(0.25f * 80) / 1.75f, (0.75f * 80 * 2) / 2, (0.25f * 80 + 0.25f * 160) / 2,
                (0.75f * 160 * 2) / 1.75f};
        for (int x = 0; x < 4; x++) {
            assertThat(out[x] * 255).as("x=%d", x).isCloseTo(expected[x], within(1e-3f));
        }
    }

    @Test
    void halvingBlocksOfALinearRampGivesTheBlockMeansInside() {
        // 2x2 blocks whose values rise linearly: away from the edges the (1,3,3,1)/8 kernel gives the block mean
        RgbImage src = grey(16, 16, (x, y) -> 10 * (x / 2) + 12 * (y / 2));
        float[] out = new float[3 * 8 * 8];
        Resampler.cropResize(src, 0, 0, 16, 16, 8, 8, false, out, 0);
        for (int y = 1; y < 7; y++) {
            for (int x = 1; x < 7; x++) {
                assertThat(at(out, 0, 8, 8, 2, x, y) * 255).isCloseTo(10 * x + 12 * y, within(1e-3f));
            }
        }
    }

    @Test
    void flipMirrorsTheOutput() {
        RgbImage src = random(40, 30, 2);
        int w = 13;
        int h = 9;
        float[] plain = new float[3 * w * h];
        float[] flipped = new float[3 * w * h];
        Resampler.cropResize(src, 3.5, 2.25, 30, 21, w, h, false, plain, 0);
        Resampler.cropResize(src, 3.5, 2.25, 30, 21, w, h, true, flipped, 0);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    assertThat(at(flipped, 0, w, h, c, x, y)).isEqualTo(at(plain, 0, w, h, c, w - 1 - x, y));
                }
            }
        }
        assertThat(plain).isNotEqualTo(flipped);
    }

    @Test
    void quarteringACheckerboardGivesHalfGrey() {
        RgbImage board = grey(64, 64, (x, y) -> (x + y) % 2 == 0 ? 0 : 255);
        float[] out = new float[3 * 16 * 16];
        Resampler.cropResize(board, 0, 0, 64, 64, 16, 16, false, out, 0);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                boolean inside = x > 0 && x < 15 && y > 0 && y < 15;
                assertThat(at(out, 0, 16, 16, 0, x, y)).isCloseTo(0.5f, within(inside ? 1e-6f : 0.05f));
            }
        }
    }

    @Test
    void thirdingStripesAveragesWhereSamplingWouldAlias() {
        // odd columns white: point sampling at centres 3i+1 would give 1, 0, 1, 0...; the widened triangle
        // (weights 1,2,3,2,1 / 9) gives 5/9 and 4/9
        RgbImage stripes = grey(60, 1, (x, y) -> x % 2 == 1 ? 255 : 0);
        float[] out = new float[3 * 20];
        Resampler.cropResize(stripes, 0, 0, 60, 1, 20, 1, false, out, 0);
        for (int x = 1; x < 19; x++) {
            assertThat(out[x]).as("x=%d", x).isCloseTo(x % 2 == 0 ? 5f / 9 : 4f / 9, within(1e-6f));
        }
    }

    @Test
    void resizeRoundsToBytes() {
        RgbImage src = grey(4, 1, (x, y) -> x < 2 ? 0 : 255);
        RgbImage half = Resampler.resize(src, 2, 1);
        // (0.75*0 + 0.75*0 + 0.25*255) / 1.75 = 36.43 -> 36; mirrored: 218.57 -> 219
        assertThat(half.rgb()).containsExactly(36, 36, 36, (byte) 219, (byte) 219, (byte) 219);
    }

    @Test
    void resizeShortSideKeepsAspect() {
        RgbImage landscape = random(341, 256, 3);
        RgbImage l = Resampler.resizeShortSide(landscape, 128);
        assertThat(new int[]{l.width(), l.height()}).containsExactly(171, 128); // 170.5 rounds up
        RgbImage portrait = Resampler.resizeShortSide(random(200, 300, 4), 100);
        assertThat(new int[]{portrait.width(), portrait.height()}).containsExactly(100, 150);
        RgbImage square = Resampler.resizeShortSide(random(50, 50, 5), 80);
        assertThat(new int[]{square.width(), square.height()}).containsExactly(80, 80);
        assertThat(Resampler.resizeShortSide(landscape, 256)).isSameAs(landscape);
    }

    @Test
    void rejectsBoxesOutsideTheImageAndShortOutputs() {
        RgbImage src = random(10, 10, 6);
        assertThatThrownBy(() -> Resampler.cropResize(src, 5, 0, 6, 10, 4, 4, false, new float[48], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inside the 10x10 image");
        assertThatThrownBy(() -> Resampler.cropResize(src, 0, 0, 10, 10, 4, 4, false, new float[48], 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("from offset 1");
        assertThatThrownBy(() -> Resampler.cropResize(src, 0, 0, 0, 10, 4, 4, false, new float[48], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("crop size must be > 0");
        assertThatThrownBy(() -> Resampler.resizeShortSide(src, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shortSide");
    }
}
