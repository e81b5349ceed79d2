package ai.synergy.data.image;

import ai.synergy.data.image.RandomResizedCrop.Box;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class RandomResizedCropTest {

    @Test
    void imagenetDefaultsAreTorchvisions() {
        assertThat(RandomResizedCrop.imagenet(224))
                .isEqualTo(new RandomResizedCrop(224, 0.08, 1.0, 0.75, 4.0 / 3.0));
    }

    @Test
    void boxesStayInsideWithAreaAndRatioInRange() {
        RandomResizedCrop crop = RandomResizedCrop.imagenet(224);
        int width = 500;
        int height = 375;
        double area = width * height;
        SplittableRandom random = new SplittableRandom(42);
        double minFraction = 1;
        double maxFraction = 0;
        for (int n = 0; n < 5000; n++) {
            Box b = crop.box(width, height, random);
            assertThat(b.x() + b.width()).isLessThanOrEqualTo(width);
            assertThat(b.y() + b.height()).isLessThanOrEqualTo(height);
            // w and h are rounded, so area and ratio may miss the drawn values by half a pixel per side
            double slack = 0.5 * (b.width() + b.height()) + 1;
            assertThat((double) b.width() * b.height()).isBetween(0.08 * area - slack, 1.0 * area + slack);
            // w / h misses the drawn ratio by at most (w + 0.5) / (w - 0.5) * (h + 0.5) / (h - 0.5)
            double roundingFactor = (b.width() + 0.5) / (b.width() - 0.5) * (b.height() + 0.5) / (b.height() - 0.5);
            assertThat((double) b.width() / b.height())
                    .isBetween(0.75 / roundingFactor, 4.0 / 3.0 * roundingFactor);
            minFraction = Math.min(minFraction, b.width() * b.height() / area);
            maxFraction = Math.max(maxFraction, b.width() * b.height() / area);
        }
        // the whole range is used
        assertThat(minFraction).isLessThan(0.085);
        assertThat(maxFraction).isGreaterThan(0.9);
    }

    @Test
    void fixedScaleAndRatioGiveTheDrawnSizeAtARandomPlace() {
        RandomResizedCrop crop = new RandomResizedCrop(32, 0.25, 0.25, 4, 4);
        SplittableRandom random = new SplittableRandom(7);
        boolean varied = false;
        for (int n = 0; n < 50; n++) {
            Box b = crop.box(400, 400, random);
            // area 40000, ratio 4: w = sqrt(160000) = 400, h = sqrt(10000) = 100
            assertThat(b.width()).isEqualTo(400);
            assertThat(b.height()).isEqualTo(100);
            assertThat(b.x()).isZero();
            assertThat(b.y()).isBetween(0, 300);
            varied |= b.y() != 150;
        }
        assertThat(varied).isTrue();
    }

    @Test
    void sameSeedGivesTheSameBoxes() {
        RandomResizedCrop crop = RandomResizedCrop.imagenet(224);
        SplittableRandom a = new SplittableRandom(123);
        SplittableRandom b = new SplittableRandom(123);
        SplittableRandom c = new SplittableRandom(124);
        boolean differs = false;
        for (int n = 0; n < 100; n++) {
            Box boxA = crop.box(640, 480, a);
            assertThat(crop.box(640, 480, b)).isEqualTo(boxA);
            differs |= !crop.box(640, 480, c).equals(boxA);
        }
        assertThat(differs).isTrue();
    }

    @Test
    void fallbackIsACentralCropWithClampedRatio() {
        RandomResizedCrop crop = RandomResizedCrop.imagenet(224);
        SplittableRandom random = new SplittableRandom(1);
        // 3 wide, 300 high: no attempt fits; ratio 0.01 < 3/4 -> w = 3, h = round(3 / 0.75) = 4, centred
        assertThat(crop.box(3, 300, random)).isEqualTo(new Box(0, 148, 3, 4));
        // 300 wide, 3 high: ratio 100 > 4/3 -> h = 3, w = round(3 * 4/3) = 4
        assertThat(crop.box(300, 3, random)).isEqualTo(new Box(148, 0, 4, 3));
        // scale 1 at ratio 2 never fits a square: w = 400, h = 400 / 2
        assertThat(new RandomResizedCrop(8, 1, 1, 2, 2).box(400, 400, random)).isEqualTo(new Box(0, 100, 400, 200));
    }

    @Test
    void applyResamplesTheChosenBox() {
        RgbImage image = ResamplerTest.random(120, 90, 9);
        RandomResizedCrop crop = RandomResizedCrop.imagenet(16);
        float[] out = new float[5 + 3 * 16 * 16];
        crop.apply(image, true, new SplittableRandom(5), out, 5);
        Box b = crop.box(120, 90, new SplittableRandom(5));
        float[] expected = new float[5 + 3 * 16 * 16];
        Resampler.cropResize(image, b.x(), b.y(), b.width(), b.height(), 16, 16, true, expected, 5);
        assertThat(out).containsExactly(expected);
        assertThat(out[5 + 100]).isEqualTo(expected[5 + 100]).isNotZero();
    }

    @Test
    void validatesItsFields() {
        assertThatThrownBy(() -> new RandomResizedCrop(0, 0.08, 1, 0.75, 1.33))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("size must be >= 1, got 0");
        assertThatThrownBy(() -> new RandomResizedCrop(224, 0.5, 0.4, 0.75, 1.33))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minScale <= maxScale");
        assertThatThrownBy(() -> new RandomResizedCrop(224, 0.08, 1.5, 0.75, 1.33))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got [0.08, 1.5]");
        assertThatThrownBy(() -> new RandomResizedCrop(224, 0.08, 1, 0, 1.33))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 < minRatio");
        assertThatThrownBy(() -> new Box(0, 0, 0, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("width=0");
    }

    @Test
    void constantImageGivesConstantCrops() {
        RgbImage image = ResamplerTest.grey(50, 70, (x, y) -> 200);
        float[] out = new float[3 * 24 * 24];
        SplittableRandom random = new SplittableRandom(3);
        for (int n = 0; n < 20; n++) {
            RandomResizedCrop.imagenet(24).apply(image, n % 2 == 0, random, out, 0);
            for (float v : out) {
                assertThat(v).isCloseTo(200 / 255f, within(1e-6f));
            }
        }
    }
}
