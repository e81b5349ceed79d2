package ai.synergy.tensorboard;

import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32C;

/**
 * TFRecord framing, as TensorFlow and TensorBoard read it: each record is its length (uint64, little-endian), the
 * masked CRC32C of those 8 bytes, the data, and the masked CRC32C of the data (both checksums uint32,
 * little-endian).
 */
public final class TfRecords {
    /** TensorFlow's mask delta ({@code kMaskDelta} in {@code crc32c.h}). */
    private static final int MASK_DELTA = 0xa282ead8;

    private TfRecords() {
    }

    /** The masked CRC32C TFRecords store: the CRC rotated right by 15 bits plus {@code 0xa282ead8}, mod 2^32. */
    public static int maskedCrc32c(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        return mask((int) crc.getValue());
    }

    /** Masks a CRC32C value: {@code ((crc >>> 15) | (crc << 17)) + 0xa282ead8}. */
    static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
    }

    /** Writes one record holding {@code data}. */
    public static void write(OutputStream out, byte[] data) throws IOException {
        byte[] header = new byte[12];
        putLong(header, 0, data.length);
        putInt(header, 8, maskedCrc32c(header, 0, 8));
        byte[] footer = new byte[4];
        putInt(footer, 0, maskedCrc32c(data, 0, data.length));
        out.write(header);
        out.write(data);
        out.write(footer);
    }

    private static void putLong(byte[] b, int at, long v) {
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    private static void putInt(byte[] b, int at, int v) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }
}
