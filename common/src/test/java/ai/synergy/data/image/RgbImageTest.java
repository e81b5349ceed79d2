package ai.synergy.data.image;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RgbImageTest {

    @Test
    void validatesSizes() {
        assertThatThrownBy(() -> new RgbImage(0, 2, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("width and height must be >= 1, got 0x2");
        assertThatThrownBy(() -> new RgbImage(2, 2, new byte[11]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rgb.length must be width*height*3 = 12 for 2x2, got 11");
    }

    @Test
    void equalityIsByContent() {
        RgbImage a = new RgbImage(2, 1, new byte[]{1, 2, 3, 4, 5, 6});
        RgbImage b = new RgbImage(2, 1, new byte[]{1, 2, 3, 4, 5, 6});
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(new RgbImage(2, 1, new byte[]{1, 2, 3, 4, 5, 7}));
        assertThat(a).isNotEqualTo(new RgbImage(1, 2, new byte[]{1, 2, 3, 4, 5, 6}));
        assertThat(a).hasToString("RgbImage[width=2, height=1]");
        assertThat(a.get(1, 0, 2)).isEqualTo(6);
    }

    @Test
    void convertsCommonBufferedImageTypes() {
        int[] types = {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_ARGB,
                BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_INT_BGR};
        for (int type : types) {
            BufferedImage img = new BufferedImage(3, 2, type);
            img.setRGB(0, 0, 0xff102030);
            img.setRGB(2, 1, 0xffa0b0c0);
            RgbImage rgb = RgbImage.of(img);
            assertThat(new int[]{rgb.get(0, 0, 0), rgb.get(0, 0, 1), rgb.get(0, 0, 2)}).as("type %d", type)
                    .containsExactly(0x10, 0x20, 0x30);
            assertThat(new int[]{rgb.get(2, 1, 0), rgb.get(2, 1, 1), rgb.get(2, 1, 2)}).as("type %d", type)
                    .containsExactly(0xa0, 0xb0, 0xc0);
            assertThat(rgb.get(1, 0, 1)).isZero();
        }
    }

    @Test
    void greyKeepsTheStoredValueRatherThanGetRgbsGammaConversion() {
        BufferedImage grey = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(0, 0, 0, 60);
        assertThat(RgbImage.of(grey).rgb()).containsExactly(60, 60, 60);
        assertThat(grey.getRGB(0, 0) & 0xff).isNotEqualTo(60);
    }

    @Test
    void subImagesWithOffsetRastersAreCopiedCorrectly() {
        BufferedImage img = TestImages.quadrants(10, 10);
        BufferedImage bgr = RgbImage.of(img).toBufferedImage();
        assertThat(bgr.getType()).isEqualTo(BufferedImage.TYPE_3BYTE_BGR);
        RgbImage sub = RgbImage.of(bgr.getSubimage(4, 4, 3, 2));
        assertThat(sub.width()).isEqualTo(3);
        int[] tl = TestImages.QUADRANTS[0];
        int[] tr = TestImages.QUADRANTS[1];
        int[] br = TestImages.QUADRANTS[3];
        assertThat(new int[]{sub.get(0, 0, 0), sub.get(0, 0, 1), sub.get(0, 0, 2)}).containsExactly(tl);
        assertThat(new int[]{sub.get(1, 0, 0), sub.get(1, 0, 1), sub.get(1, 0, 2)}).containsExactly(tr);
        assertThat(new int[]{sub.get(2, 1, 0), sub.get(2, 1, 1), sub.get(2, 1, 2)}).containsExactly(br);
    }

    @Test
    void bufferedImageRoundTripIsExact() {
        RgbImage image = ResamplerTest.random(17, 9, 21);
        assertThat(RgbImage.of(image.toBufferedImage())).isEqualTo(image);
    }
}
