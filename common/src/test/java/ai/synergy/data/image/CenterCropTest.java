package ai.synergy.data.image;

import ai.synergy.data.image.CenterCrop.SourceBox;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class CenterCropTest {

    @Test
    void imagenetKeepsSevenEighths() {
        assertThat(CenterCrop.imagenet(224)).isEqualTo(new CenterCrop(224, 0.875));
    }

    @Test
    void sourceBoxIsTheCentredSquareOfTheResizedShortSide() {
        CenterCrop crop = CenterCrop.imagenet(224);
        // 341 wide, 256 high: short side 256 -> 256 (no scaling), centre 224 x 224
        assertThat(crop.sourceBox(341, 256)).isEqualTo(new SourceBox(58.5, 16, 224));
        assertThat(crop.sourceBox(256, 341)).isEqualTo(new SourceBox(16, 58.5, 224));
        // 500 x 375: short side 375 -> 256, side in the source = 0.875 * 375
        assertThat(crop.sourceBox(500, 375)).isEqualTo(new SourceBox(85.9375, 23.4375, 328.125));
        // cropFraction 1: the short side becomes size, the whole short side is kept
        assertThat(new CenterCrop(100, 1.0).sourceBox(300, 200)).isEqualTo(new SourceBox(50, 0, 200));
    }

    @Test
    void unscaledCropCopiesTheCentralPixels() {
        RgbImage image = ResamplerTest.random(342, 256, 11);
        float[] out = new float[3 * 224 * 224];
        CenterCrop.imagenet(224).apply(image, false, out, 0);
        // x0 = (342 - 224) / 2 = 59, y0 = 16
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 224; y += 37) {
                for (int x = 0; x < 224; x += 23) {
                    assertThat(ResamplerTest.at(out, 0, 224, 224, c, x, y))
                            .isEqualTo(image.get(59 + x, 16 + y, c) / 255f);
                }
            }
        }
    }

    @Test
    void oneCropEqualsResizeThenCrop() {
        RgbImage image = ResamplerTest.random(684, 512, 12);
        float[] once = new float[3 * 224 * 224];
        CenterCrop.imagenet(224).apply(image, false, once, 0);
        RgbImage resized = Resampler.resizeShortSide(image, 256);
        assertThat(new int[]{resized.width(), resized.height()}).containsExactly(342, 256);
        float[] twice = new float[3 * 224 * 224];
        Resampler.cropResize(resized, 59, 16, 224, 224, 224, 224, false, twice, 0);
        // equal up to the intermediate image's rounding to bytes
        for (int i = 0; i < once.length; i++) {
            assertThat(once[i]).isCloseTo(twice[i], within(0.51f / 255));
        }
    }

    @Test
    void flipMirrors() {
        RgbImage image = ResamplerTest.random(90, 60, 13);
        float[] plain = new float[3 * 20 * 20];
        float[] flipped = new float[3 * 20 * 20];
        CenterCrop crop = new CenterCrop(20, 0.9);
        crop.apply(image, false, plain, 0);
        crop.apply(image, true, flipped, 0);
        assertThat(ResamplerTest.at(flipped, 0, 20, 20, 1, 3, 7))
                .isEqualTo(ResamplerTest.at(plain, 0, 20, 20, 1, 16, 7));
        assertThat(flipped).isNotEqualTo(plain);
    }

    @Test
    void validatesItsFields() {
        assertThatThrownBy(() -> new CenterCrop(0, 0.875))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("size must be >= 1, got 0");
        assertThatThrownBy(() -> new CenterCrop(224, 1.2))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("cropFraction must be in (0, 1], got 1.2");
        assertThatThrownBy(() -> new CenterCrop(224, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cropFraction");
    }
}
