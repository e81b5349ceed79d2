package ai.synergy.data.shard;

import ai.synergy.config.InvalidInputException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ShardFormatTest {
    private static final String[] KEYS = {"n01440764_10026", "n01440764_10027", "ILSVRC2012_val_00000001"};
    private static final int[] LABELS = {0, 0, 7};
    private static final int[] SIZES = {1, 511, 1500};

    private static byte[][] payloads() {
        Random random = new Random(3);
        byte[][] data = new byte[KEYS.length][];
        for (int i = 0; i < KEYS.length; i++) {
            data[i] = new byte[SIZES[i]];
            random.nextBytes(data[i]);
        }
        return data;
    }

    private static ShardWriter write(ByteArrayOutputStream out, byte[][] data) throws IOException {
        ShardWriter writer = new ShardWriter(out);
        for (int i = 0; i < KEYS.length; i++) {
            writer.add(KEYS[i], LABELS[i], data[i]);
        }
        writer.close();
        return writer;
    }

    @Test
    void aStandardTarReaderSeesWebDatasetEntries() throws IOException {
        byte[][] data = payloads();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, data);
        List<String> names = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextTarEntry()) != null) {
                names.add(entry.getName());
                contents.add(tar.readAllBytes());
                assertThat(entry.getModTime().getTime()).isZero();
            }
        }
        assertThat(names).containsExactly("n01440764_10026.cls", "n01440764_10026.jpg", "n01440764_10027.cls",
                "n01440764_10027.jpg", "ILSVRC2012_val_00000001.cls", "ILSVRC2012_val_00000001.jpg");
        assertThat(new String(contents.get(4), StandardCharsets.US_ASCII)).isEqualTo("7");
        assertThat(contents.get(5)).isEqualTo(data[2]);
    }

    @Test
    void indexOffsetsPointAtTheImageBytesAndChecksumIsTheFiles() throws Exception {
        byte[][] data = payloads();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ShardWriter writer = write(out, data);
        byte[] file = out.toByteArray();
        ShardIndex index = writer.index();
        assertThat(index.size()).isEqualTo(3);
        // header (512) + .cls data (1 record) + header (512) = 1536 for the first image
        assertThat(index.entries().get(0).offset()).isEqualTo(1536);
        for (int i = 0; i < KEYS.length; i++) {
            ShardIndex.Entry e = index.entries().get(i);
            assertThat(e.key()).isEqualTo(KEYS[i]);
            assertThat(e.label()).isEqualTo(LABELS[i]);
            assertThat(Arrays.copyOfRange(file, (int) e.offset(), (int) e.offset() + e.length())).isEqualTo(data[i]);
        }
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file));
        assertThat(writer.sha256()).isEqualTo(expected);

    }

    @Test
    void sameImagesGiveByteIdenticalShards() throws IOException {
        ByteArrayOutputStream a = new ByteArrayOutputStream();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        String shaA = write(a, payloads()).sha256();
        String shaB = write(b, payloads()).sha256();
        assertThat(a.toByteArray()).isEqualTo(b.toByteArray());
        assertThat(shaA).isEqualTo(shaB);
    }

    @Test
    void indexRoundTripsThroughItsTextForm() throws IOException {
        ShardWriter writer = write(new ByteArrayOutputStream(), payloads());
        byte[] text = writer.index().toBytes();
        assertThat(new String(text, StandardCharsets.UTF_8)).startsWith("n01440764_10026\t0\t1536\t1\n");
        assertThat(ShardIndex.parse(text, "x.idx")).isEqualTo(writer.index());
    }

    @Test
    void aDamagedIndexNamesFileAndLine() {
        byte[] bad = "a\t0\t1536\t1\nb\t0\toops\t2\n".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ShardIndex.parse(bad, "train-00001-of-00004.tar.idx"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("train-00001-of-00004.tar.idx line 2");
    }

    @Test
    void refusesKeysThatWouldBreakTheLayout() throws IOException {
        try (ShardWriter writer = new ShardWriter(new ByteArrayOutputStream())) {
            assertThatThrownBy(() -> writer.add("a.b", 0, new byte[1])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'a.b'");
            assertThatThrownBy(() -> writer.add("x".repeat(91), 0, new byte[1]))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
