package ai.synergy.data;

import ai.synergy.config.InvalidInputException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdxReaderTest {

    private static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path dir;

    // 5 images of 3 rows x 4 columns, pixels covering the full unsigned range
    private static final int N = 5, ROWS = 3, COLS = 4;

    private static byte[] pixels() {
        byte[] p = new byte[N * ROWS * COLS];
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) (i * 37 + 200);
        }
        return p;
    }

    private static byte[] labels() {
        return new byte[]{3, 0, (byte) 200, 1, 3};
    }

    private static byte[] imagesFile(int magic, int count, int rows, int cols, byte[] data) {
        return ByteBuffer.allocate(16 + data.length)
                .putInt(magic).putInt(count).putInt(rows).putInt(cols).put(data).array();
    }

    private static byte[] labelsFile(int magic, int count, byte[] data) {
        return ByteBuffer.allocate(8 + data.length).putInt(magic).putInt(count).put(data).array();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    private Path write(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    private Path goodImages() throws IOException {
        return write("imgs-idx3-ubyte", imagesFile(0x803, N, ROWS, COLS, pixels()));
    }

    private Path goodLabels() throws IOException {
        return write("labs-idx1-ubyte", labelsFile(0x801, N, labels()));
    }

    private static void assertExpected(LabeledImages d) {
        assertThat(d.count()).isEqualTo(N);
        assertThat(d.channels()).isEqualTo(1);
        assertThat(d.height()).isEqualTo(ROWS);
        assertThat(d.width()).isEqualTo(COLS);
        assertThat(d.pixels()).containsExactly(pixels());
        assertThat(d.labels()).containsExactly(labels());
        assertThat(d.numClasses()).isEqualTo(201);
        assertThat(d.label(2)).isEqualTo(200);
    }

    @Test
    void readsPlainFiles() throws IOException {
        assertExpected(IdxReader.read(goodImages(), goodLabels()));
    }

    @Test
    void readsGzipFilesWhateverTheirName() throws IOException {
        // gzip detected by content: one .gz file and one gzip file without the suffix, plus a mix of plain and gz
        Path img = write("imgs.gz", gzip(imagesFile(0x803, N, ROWS, COLS, pixels())));
        Path lab = write("labs-no-suffix", gzip(labelsFile(0x801, N, labels())));
        assertExpected(IdxReader.read(img, lab));
        assertExpected(IdxReader.read(img, goodLabels()));
        Path plainNamedGz = write("plain.gz", imagesFile(0x803, N, ROWS, COLS, pixels()));
        assertExpected(IdxReader.read(plainNamedGz, lab));
    }

    @Test
    void readsFromStreamsWithoutClosingThem() {
        ByteArrayInputStream img = new ByteArrayInputStream(imagesFile(0x803, N, ROWS, COLS, pixels()));
        ByteArrayInputStream lab = new ByteArrayInputStream(labelsFile(0x801, N, labels()));
        assertExpected(IdxReader.read(img, "img", lab, "lab"));
        assertThat(img.available()).isZero();
    }

    @Test
    void truncatedImagesFile() throws IOException {
        byte[] full = imagesFile(0x803, N, ROWS, COLS, pixels());
        Path img = write("short-images", Arrays.copyOf(full, full.length - 7));
        assertThatThrownBy(() -> IdxReader.read(img, goodLabels()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(img.toString())
                .hasMessageContaining("truncated")
                .hasMessageContaining("5 images of 3x4")
                .hasMessageContaining("only 53 bytes");
    }

    @Test
    void truncatedGzipImagesFile() throws IOException {
        byte[] gz = gzip(imagesFile(0x803, N, ROWS, COLS, pixels()));
        Path img = write("short-images.gz", Arrays.copyOf(gz, gz.length - 12));
        assertThatThrownBy(() -> IdxReader.read(img, goodLabels()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(img.toString())
                .hasMessageContaining("truncated");
    }

    @Test
    void truncatedLabelsFile() throws IOException {
        byte[] full = labelsFile(0x801, N, labels());
        Path lab = write("short-labels", Arrays.copyOf(full, full.length - 2));
        assertThatThrownBy(() -> IdxReader.read(goodImages(), lab))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(lab.toString())
                .hasMessageContaining("truncated")
                .hasMessageContaining("5 labels but only 3 bytes");
    }

    @Test
    void truncatedHeader() throws IOException {
        Path img = write("header-only", Arrays.copyOf(imagesFile(0x803, N, ROWS, COLS, pixels()), 10));
        assertThatThrownBy(() -> IdxReader.read(img, goodLabels()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(img.toString())
                .hasMessageContaining("truncated");
    }

    @Test
    void extraBytesAfterData() throws IOException {
        byte[] full = imagesFile(0x803, N, ROWS, COLS, pixels());
        Path img = write("long-images", Arrays.copyOf(full, full.length + 1));
        assertThatThrownBy(() -> IdxReader.read(img, goodLabels()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(img.toString())
                .hasMessageContaining("extra bytes");
    }

    @Test
    void wrongMagic() throws IOException {
        Path img = write("float-images", imagesFile(0x0D03, N, ROWS, COLS, pixels()));
        assertThatThrownBy(() -> IdxReader.read(img, goodLabels()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(img.toString())
                .hasMessageContaining("magic")
                .hasMessageContaining("0x00000d03");
        // images and labels swapped
        assertThatThrownBy(() -> IdxReader.read(goodLabels(), goodImages()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("labs-idx1-ubyte")
                .hasMessageContaining("magic")
                .hasMessageContaining("this is a labels file");
    }

    @Test
    void nonPositiveDimension() throws IOException {
        Path img = write("zero-rows", imagesFile(0x803, N, 0, COLS, new byte[0]));
        assertThatThrownBy(() -> IdxReader.read(img, goodLabels()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(img.toString())
                .hasMessageContaining("rows is 0");
    }

    @Test
    void labelCountMismatch() throws IOException {
        Path lab = write("four-labels", labelsFile(0x801, N - 1, Arrays.copyOf(labels(), N - 1)));
        Path img = goodImages();
        assertThatThrownBy(() -> IdxReader.read(img, lab))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("label count 4 in " + lab)
                .hasMessageContaining("does not match image count 5 in " + img);
    }

    @Test
    void zeroByteFile() throws IOException {
        Path img = write("empty-images", new byte[0]);
        assertThatThrownBy(() -> IdxReader.read(img, goodLabels()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(img.toString())
                .hasMessageContaining("empty");
    }

    @Test
    void corruptGzip() throws IOException {
        byte[] gz = gzip(imagesFile(0x803, N, ROWS, COLS, pixels()));
        gz[2] = 7; // compression method must be 8 (deflate)
        Path img = write("bad.gz", gz);
        assertThatThrownBy(() -> IdxReader.read(img, goodLabels()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(img.toString())
                .hasMessageContaining("corrupt gzip");
        byte[] gz1 = gzip(imagesFile(0x803, N, ROWS, COLS, pixels()));
        gz1[10] = (byte) 0xFF; // first deflate block has the reserved block type 3
        Path img1 = write("bad-body.gz", gz1);
        assertThatThrownBy(() -> IdxReader.read(img1, goodLabels()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(img1.toString())
                .hasMessageContaining("corrupt gzip");
        byte[] gz2 = gzip(imagesFile(0x803, N, ROWS, COLS, pixels()));
        gz2[gz2.length - 6] ^= 0x55; // CRC trailer no longer matches the data
        Path img2 = write("bad-crc.gz", gz2);
        assertThatThrownBy(() -> IdxReader.read(img2, goodLabels()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(img2.toString())
                .hasMessageContaining("corrupt gzip");
    }

    @Test
    void missingFile() throws IOException {
        Path img = dir.resolve("no-such-images.gz");
        assertThatThrownBy(() -> IdxReader.read(img, goodLabels()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(img.toString())
                .hasMessageContaining("does not exist")
                .hasMessageContaining("apt-get install dataset-fashion-mnist");
        Path lab = dir.resolve("no-such-labels");
        assertThatThrownBy(() -> IdxReader.read(goodImages(), lab))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(lab.toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void fingerprintTracksContent() throws IOException {
        LabeledImages a = IdxReader.read(goodImages(), goodLabels());
        LabeledImages b = new LabeledImages(pixels(), labels(), N, 1, ROWS, COLS);
        assertThat(IdxReader.fingerprint(a)).hasSize(16).matches("[0-9a-f]{16}")
                .isEqualTo(IdxReader.fingerprint(b));

        byte[] p = pixels();
        p[17]++;
        assertThat(IdxReader.fingerprint(new LabeledImages(p, labels(), N, 1, ROWS, COLS)))
                .isNotEqualTo(IdxReader.fingerprint(a));
        byte[] l = labels();
        l[0] = 4;
        assertThat(IdxReader.fingerprint(new LabeledImages(pixels(), l, N, 1, ROWS, COLS)))
                .isNotEqualTo(IdxReader.fingerprint(a));
        // same bytes, different shape
        assertThat(IdxReader.fingerprint(new LabeledImages(pixels(), labels(), N, 1, COLS, ROWS)))
                .isNotEqualTo(IdxReader.fingerprint(a));
    }

    @Test
    void subsetCopiesChosenExamplesInOrder() {
        LabeledImages d = new LabeledImages(pixels(), labels(), N, 1, ROWS, COLS);
        LabeledImages s = d.subset(new int[]{4, 1, 4});
        int size = ROWS * COLS;
        assertThat(s.count()).isEqualTo(3);
        assertThat(s.labels()).containsExactly(labels()[4], labels()[1], labels()[4]);
        assertThat(Arrays.copyOfRange(s.pixels(), 0, size)).containsExactly(Arrays.copyOfRange(pixels(), 4 * size, 5 * size));
        assertThat(Arrays.copyOfRange(s.pixels(), size, 2 * size)).containsExactly(Arrays.copyOfRange(pixels(), size, 2 * size));
        assertThat(s.numClasses()).isEqualTo(4);
        s.pixels()[0]++;
        assertThat(d.pixels()[4 * size]).isEqualTo(pixels()[4 * size]);
        assertThatThrownBy(() -> d.subset(new int[]{N})).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void recordValidatesLengths() {
        assertThatThrownBy(() -> new LabeledImages(new byte[11], new byte[1], 1, 1, 3, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("11");
        assertThatThrownBy(() -> new LabeledImages(new byte[12], new byte[2], 1, 1, 3, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("labels");
        assertThatThrownBy(() -> new LabeledImages(new byte[0], new byte[0], 0, 1, 0, 4))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void realFashionMnistTestSet() {
        Path img = FASHION.resolve("t10k-images-idx3-ubyte.gz");
        Path lab = FASHION.resolve("t10k-labels-idx1-ubyte.gz");
        Assumptions.assumeTrue(Files.exists(img) && Files.exists(lab), "dataset-fashion-mnist not installed");
        LabeledImages d = IdxReader.read(img, lab);
        assertThat(d.count()).isEqualTo(10_000);
        assertThat(d.channels()).isEqualTo(1);
        assertThat(d.height()).isEqualTo(28);
        assertThat(d.width()).isEqualTo(28);
        assertThat(d.numClasses()).isEqualTo(10);
        int[] perClass = new int[10];
        for (int i = 0; i < d.count(); i++) {
            perClass[d.label(i)]++;
        }
        assertThat(perClass).containsOnly(1000);
        assertThat(IdxReader.fingerprint(d)).isEqualTo(IdxReader.fingerprint(IdxReader.read(img, lab)));
    }
}
