package ai.synergy.data.image;

import ai.synergy.data.image.BadImageException.Reason;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ImageDecoderTest {

    private static final int JPEG_TOLERANCE = 6;
    // TwelveMonkeys converts CMYK without an ICC profile by the naive formula; Photoshop-like profiles differ more
    private static final int CMYK_TOLERANCE = 40;

    /** Asserts each quadrant's centre pixel has the expected colour within the tolerance. */
    private static void assertQuadrants(RgbImage img, int[][] expected, int tolerance) {
        int w = img.width();
        int h = img.height();
        int[][] centres = {{w / 4, h / 4}, {3 * w / 4, h / 4}, {w / 4, 3 * h / 4}, {3 * w / 4, 3 * h / 4}};
        for (int q = 0; q < 4; q++) {
            for (int c = 0; c < 3; c++) {
                assertThat(img.get(centres[q][0], centres[q][1], c))
                        .as("quadrant %d channel %d", q, c)
                        .isCloseTo(expected[q][c], within(tolerance));
            }
        }
    }

    @Test
    void rgbJpegDecodesToTheQuadrantColoursAndSize() throws Exception {
        byte[] jpeg = TestImages.jpeg(TestImages.quadrants(64, 48), false);
        RgbImage img = ImageDecoder.decode(jpeg);
        assertThat(img.width()).isEqualTo(64);
        assertThat(img.height()).isEqualTo(48);
        assertQuadrants(img, TestImages.QUADRANTS, JPEG_TOLERANCE);
    }

    @Test
    void progressiveJpegDecodesToTheSameColours() throws Exception {
        byte[] jpeg = TestImages.jpeg(TestImages.quadrants(64, 48), true);
        assertThat(jpeg).containsSequence((byte) 0xff, (byte) 0xc2); // SOF2: progressive
        RgbImage img = ImageDecoder.decode(jpeg);
        assertThat(img.width()).isEqualTo(64);
        assertQuadrants(img, TestImages.QUADRANTS, JPEG_TOLERANCE);
    }

    @Test
    void greyJpegGivesThreeEqualChannelsWithTheStoredValue() throws Exception {
        BufferedImage grey = new BufferedImage(32, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 32; x++) {
                grey.getRaster().setSample(x, y, 0, x < 16 ? 60 : 200);
            }
        }
        RgbImage img = ImageDecoder.decode(TestImages.jpeg(grey, false));
        for (int c = 0; c < 3; c++) {
            // 60, not the ~140 that BufferedImage.getRGB's linear-grey to sRGB conversion would give
            assertThat(img.get(4, 8, c)).isCloseTo(60, within(3));
            assertThat(img.get(28, 8, c)).isCloseTo(200, within(3));
        }
        for (int i = 0; i < img.rgb().length; i += 3) {
            assertThat(img.rgb()[i]).isEqualTo(img.rgb()[i + 1]).isEqualTo(img.rgb()[i + 2]);
        }
    }

    private static final int[][] INKS = {
            {0, 255, 255, 0},   // red
            {255, 0, 255, 0},   // green
            {255, 255, 0, 0},   // blue
            {0, 0, 0, 0}};      // white (no ink)
    private static final int[][] INK_RGB = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}};

    @Test
    void adobeCmykJpegDecodesToTheRightColours() throws Exception {
        byte[] jpeg = TestImages.adobeCmykJpeg(INKS, 32, 32, false);
        assertThat(TestImages.jpegComponents(jpeg)).isEqualTo(4);
        assertThat(ImageDecoder.formatOf(jpeg)).isEqualTo("jpeg");
        RgbImage img = ImageDecoder.decode(jpeg);
        assertThat(img.width()).isEqualTo(32);
        assertQuadrants(img, INK_RGB, CMYK_TOLERANCE);
    }

    @Test
    void adobeYcckJpegDecodesToTheRightColours() throws Exception {
        byte[] jpeg = TestImages.adobeCmykJpeg(INKS, 32, 32, true);
        assertThat(TestImages.jpegComponents(jpeg)).isEqualTo(4);
        assertQuadrants(ImageDecoder.decode(jpeg), INK_RGB, CMYK_TOLERANCE);
    }

    @Test
    void cmykBlackInkGivesBlack() throws Exception {
        int[][] black = {{0, 0, 0, 255}, {0, 0, 0, 255}, {0, 0, 0, 255}, {0, 0, 0, 255}};
        RgbImage img = ImageDecoder.decode(TestImages.adobeCmykJpeg(black, 16, 16, false));
        assertQuadrants(img, new int[][]{{0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}}, CMYK_TOLERANCE);
    }

    @Test
    void pngRgbIsDecodedExactly() throws Exception {
        BufferedImage src = TestImages.quadrants(20, 10);
        byte[] png = TestImages.write(src, "png");
        assertThat(ImageDecoder.formatOf(png)).isEqualTo("png");
        RgbImage img = ImageDecoder.decode(png);
        assertThat(img).isEqualTo(RgbImage.of(src));
        assertThat(img.get(15, 2, 1)).isEqualTo(200);
    }

    @Test
    void pngAlphaIsDroppedKeepingTheStoredColour() throws Exception {
        BufferedImage src = new BufferedImage(4, 2, BufferedImage.TYPE_INT_ARGB);
        src.setRGB(0, 0, 0x00c86432);          // fully transparent (200, 100, 50)
        src.setRGB(1, 0, 0x80102030);          // half transparent
        src.setRGB(2, 1, 0xff0a0b0c);          // opaque
        RgbImage img = ImageDecoder.decode(TestImages.write(src, "png"));
        assertThat(new int[]{img.get(0, 0, 0), img.get(0, 0, 1), img.get(0, 0, 2)}).containsExactly(200, 100, 50);
        assertThat(new int[]{img.get(1, 0, 0), img.get(1, 0, 1), img.get(1, 0, 2)}).containsExactly(16, 32, 48);
        assertThat(new int[]{img.get(2, 1, 0), img.get(2, 1, 1), img.get(2, 1, 2)}).containsExactly(10, 11, 12);
    }

    @Test
    void paletteAnd16BitGreyPngAreDecoded() throws Exception {
        byte[] r = {(byte) 255, 0, 7};
        byte[] g = {0, (byte) 128, 8};
        byte[] b = {0, 0, 9};
        BufferedImage pal = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_INDEXED,
                new IndexColorModel(2, 3, r, g, b));
        for (int x = 0; x < 3; x++) {
            pal.getRaster().setSample(x, 0, 0, x);
        }
        RgbImage p = ImageDecoder.decode(TestImages.write(pal, "png"));
        assertThat(p.rgb()).containsExactly(255, 0, 0, 0, 128, 0, 7, 8, 9);

        BufferedImage grey16 = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        grey16.getRaster().setSample(0, 0, 0, 0x3a00);
        grey16.getRaster().setSample(1, 0, 0, 0xffff);
        RgbImage g16 = ImageDecoder.decode(TestImages.write(grey16, "png"));
        assertThat(g16.rgb()).containsExactly(0x3a, 0x3a, 0x3a, 255, 255, 255);
    }

    @Test
    void gifAndBmpAreDecodedExactly() throws Exception {
        BufferedImage src = TestImages.quadrants(16, 8);
        byte[] gif = TestImages.write(src, "gif");
        byte[] bmp = TestImages.write(src, "bmp");
        assertThat(ImageDecoder.formatOf(gif)).isEqualTo("gif");
        assertThat(ImageDecoder.formatOf(bmp)).isEqualTo("bmp");
        assertThat(ImageDecoder.decode(gif)).isEqualTo(RgbImage.of(src));
        assertThat(ImageDecoder.decode(bmp)).isEqualTo(RgbImage.of(src));
    }

    @Test
    void formatIsDecidedByMagicBytes() {
        assertThat(ImageDecoder.formatOf(new byte[]{(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0}))
                .isEqualTo("jpeg");
        assertThat(ImageDecoder.formatOf("GIF89a...".getBytes(StandardCharsets.US_ASCII))).isEqualTo("gif");
        assertThat(ImageDecoder.formatOf("BMW is not a bitmap header".getBytes(StandardCharsets.US_ASCII))).isNull();
        assertThat(ImageDecoder.formatOf("<?xml version=\"1.0\"?>".getBytes(StandardCharsets.US_ASCII))).isNull();
        assertThat(ImageDecoder.formatOf(new byte[0])).isNull();
    }

    private static Reason reasonOf(byte[] bytes) {
        try {
            ImageDecoder.decode(bytes);
        } catch (BadImageException e) {
            assertThat(e.getMessage()).startsWith(e.reason().name() + ": ");
            return e.reason();
        }
        throw new AssertionError("decode accepted " + bytes.length + " bytes");
    }

    @Test
    void zeroBytesAreEmpty() {
        assertThatThrownBy(() -> ImageDecoder.decode(new byte[0]))
                .isInstanceOf(BadImageException.class)
                .hasMessage("EMPTY: zero bytes");
    }

    @Test
    void xmlTextIsNotAnImage() {
        byte[] xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<annotation/>".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ImageDecoder.decode(xml))
                .isInstanceOf(BadImageException.class)
                .hasMessageContaining("<?xml")
                .satisfies(e -> assertThat(((BadImageException) e).reason()).isEqualTo(Reason.NOT_AN_IMAGE));
    }

    @Test
    void jpegCutShortIsTruncated() {
        byte[] jpeg = JpegEncoder.encode(TestImages.gradient(256, 192), 0.9f);
        assertThat(reasonOf(Arrays.copyOf(jpeg, jpeg.length * 6 / 10))).isEqualTo(Reason.TRUNCATED);
        assertThat(reasonOf(Arrays.copyOf(jpeg, 100))).isEqualTo(Reason.TRUNCATED);          // inside the headers
        assertThat(reasonOf(Arrays.copyOf(jpeg, jpeg.length - 2))).isEqualTo(Reason.TRUNCATED); // only EOI missing
    }

    @Test
    void jpegWhoseScanDataEndsEarlyIsTruncatedByTheReadersWarning() {
        byte[] jpeg = JpegEncoder.encode(TestImages.gradient(256, 192), 0.9f);
        byte[] damaged = jpeg.clone();
        // an EOI marker half-way through the scan: the file still ends with EOI, but the reader warns
        // "Corrupt JPEG data: premature end of data segment"
        damaged[jpeg.length / 2] = (byte) 0xff;
        damaged[jpeg.length / 2 + 1] = (byte) 0xd9;
        assertThat(reasonOf(damaged)).isEqualTo(Reason.TRUNCATED);
    }

    @Test
    void garbageAfterSoiIsCorruptWithAnEndMarkerAndTruncatedWithout() {
        byte[] garbage = new byte[2000];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) ((i * 131 + 7) % 251); // never 0xff: no accidental markers
        }
        garbage[0] = (byte) 0xff;
        garbage[1] = (byte) 0xd8;
        assertThat(reasonOf(garbage)).isEqualTo(Reason.TRUNCATED);
        garbage[garbage.length - 2] = (byte) 0xff;
        garbage[garbage.length - 1] = (byte) 0xd9;
        assertThat(reasonOf(garbage)).isEqualTo(Reason.CORRUPT);
    }

    @Test
    void damagedPngIsCorruptAndCutPngIsTruncated() {
        byte[] png = TestImages.write(TestImages.quadrants(64, 64), "png");
        assertThat(reasonOf(Arrays.copyOf(png, png.length / 2))).isEqualTo(Reason.TRUNCATED);
        byte[] damaged = png.clone();
        Arrays.fill(damaged, 16, 24, (byte) 0x7f); // width and height in IHDR; its CRC no longer matches
        assertThat(reasonOf(damaged)).isEqualTo(Reason.CORRUPT);
    }

    @Test
    void concurrentDecodesGiveTheSameResults() throws Exception {
        List<byte[]> inputs = List.of(
                TestImages.jpeg(TestImages.quadrants(96, 64), false),
                TestImages.jpeg(TestImages.quadrants(64, 96), true),
                TestImages.adobeCmykJpeg(INKS, 48, 48, false),
                TestImages.write(TestImages.quadrants(40, 30), "png"));
        List<RgbImage> expected = new ArrayList<>();
        for (byte[] in : inputs) {
            expected.add(ImageDecoder.decode(in));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<RgbImage>> futures = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                byte[] in = inputs.get(i % inputs.size());
                futures.add(pool.submit(() -> ImageDecoder.decode(in)));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).get()).isEqualTo(expected.get(i % inputs.size()));
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
