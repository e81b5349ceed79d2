package ai.synergy.tensorboard;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TfRecordsTest {
    @Test
    void crc32cMatchesKnownAnswers() {
        // the check value of CRC-32C, and RFC 3720 (iSCSI) appendix B.4's vectors
        assertThat(crc(ascii("123456789"))).isEqualTo(0xE3069283L);
        assertThat(crc(new byte[32])).isEqualTo(0x8A9136AAL);
        byte[] ones = new byte[32];
        Arrays.fill(ones, (byte) 0xff);
        assertThat(crc(ones)).isEqualTo(0x62A8AB43L);
        byte[] ascending = new byte[32];
        for (int i = 0; i < 32; i++) {
            ascending[i] = (byte) i;
        }
        assertThat(crc(ascending)).isEqualTo(0x46DD794EL);
    }

    @Test
    void masksAsTensorFlowDoes() {
        // 0xE3069283 rotated right by 15 = 0x2507C60D (its low 15 bits 0x1283 move to the top); + 0xa282ead8
        assertThat(mask(0xE3069283L)).isEqualTo(0xC78AB0E5L);
        byte[] data = ascii("123456789");
        assertThat(TfRecords.maskedCrc32c(data, 0, data.length) & 0xffffffffL).isEqualTo(0xC78AB0E5L);
        for (byte[] vector : List.of(new byte[32], ascii("brain.Event:2"), new byte[] {1, 2, 3})) {
            assertThat(TfRecords.maskedCrc32c(vector, 0, vector.length) & 0xffffffffL)
                    .isEqualTo(mask(crc(vector)));
        }
        // an offset and length select the bytes
        byte[] padded = ascii("xx123456789yy");
        assertThat(TfRecords.maskedCrc32c(padded, 2, 9) & 0xffffffffL).isEqualTo(0xC78AB0E5L);
    }

    @Test
    void framesRecordsWithLengthAndChecksums() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TfRecords.write(out, ascii("123456789"));
        TfRecords.write(out, new byte[0]);
        byte[] file = out.toByteArray();
        assertThat(file).hasSize(12 + 9 + 4 + 12 + 4);
        assertThat(file[0]).isEqualTo((byte) 9); // little-endian length
        assertThat(Arrays.copyOfRange(file, 1, 8)).containsOnly(0);
        // the length's masked CRC, little-endian, after the 8 length bytes
        long lengthCrc = mask(crc(new byte[] {9, 0, 0, 0, 0, 0, 0, 0}));
        for (int i = 0; i < 4; i++) {
            assertThat(file[8 + i]).isEqualTo((byte) (lengthCrc >>> (8 * i)));
        }
        // the data's masked CRC, little-endian, after the data
        assertThat(Arrays.copyOfRange(file, 21, 25)).containsExactly(0xE5, 0xB0, 0x8A, 0xC7);
        List<byte[]> records = EventFileReader.records(file);
        assertThat(records).hasSize(2);
        assertThat(new String(records.get(0), StandardCharsets.US_ASCII)).isEqualTo("123456789");
        assertThat(records.get(1)).isEmpty();

        byte[] dataFlipped = file.clone();
        dataFlipped[15] ^= 1;
        assertThatThrownBy(() -> EventFileReader.records(dataFlipped)).hasMessageContaining("bad data checksum");
        byte[] lengthFlipped = file.clone();
        lengthFlipped[25] ^= 1; // the second record's length
        assertThatThrownBy(() -> EventFileReader.records(lengthFlipped)).hasMessageContaining("bad length checksum");
        assertThatThrownBy(() -> EventFileReader.records(Arrays.copyOf(file, file.length - 1)))
                .hasMessageContaining("truncated");
    }

    /** TensorFlow's mask, with longs: rotate right by 15 over 32 bits, add 0xa282ead8, mod 2^32. */
    private static long mask(long crc) {
        long rotated = ((crc >>> 15) | (crc << 17)) & 0xffffffffL;
        return (rotated + 0xa282ead8L) & 0xffffffffL;
    }

    private static long crc(byte[] data) {
        CRC32C crc = new CRC32C();
        crc.update(data);
        return crc.getValue();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
