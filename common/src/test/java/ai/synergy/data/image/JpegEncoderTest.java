package ai.synergy.data.image;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JpegEncoderTest {

    private static double meanAbsoluteError(RgbImage a, RgbImage b) {
        long sum = 0;
        for (int i = 0; i < a.rgb().length; i++) {
            sum += Math.abs((a.rgb()[i] & 0xff) - (b.rgb()[i] & 0xff));
        }
        return (double) sum / a.rgb().length;
    }

    @Test
    void roundTripIsCloseAtHighQualityAndCloserThanAtLow() throws Exception {
        RgbImage image = TestImages.gradient(256, 192);
        byte[] high = JpegEncoder.encode(image, 0.95f);
        byte[] low = JpegEncoder.encode(image, 0.3f);
        assertThat(ImageDecoder.formatOf(high)).isEqualTo("jpeg");
        assertThat(high[high.length - 2] & 0xff).isEqualTo(0xff);
        assertThat(high[high.length - 1] & 0xff).isEqualTo(0xd9);
        RgbImage decodedHigh = ImageDecoder.decode(high);
        RgbImage decodedLow = ImageDecoder.decode(low);
        assertThat(decodedHigh.width()).isEqualTo(256);
        assertThat(decodedHigh.height()).isEqualTo(192);
        double errorHigh = meanAbsoluteError(image, decodedHigh);
        double errorLow = meanAbsoluteError(image, decodedLow);
        assertThat(errorHigh).isLessThan(1.5);
        assertThat(errorLow).isGreaterThan(errorHigh);
        assertThat(low.length).isLessThan(high.length);
    }

    @Test
    void rejectsQualityOutsideZeroToOne() {
        RgbImage image = TestImages.gradient(8, 8);
        for (float q : new float[]{0f, -0.5f, 1.01f, Float.NaN}) {
            assertThatThrownBy(() -> JpegEncoder.encode(image, q))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("quality must be in (0, 1], got " + q);
        }
    }
}
