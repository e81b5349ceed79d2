package ai.synergy.tensorboard;

import org.nd4j.shade.protobuf.CodedInputStream;
import org.tensorflow.framework.Summary;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an event file back as TensorBoard does: every record's length and data checksums are checked, and each
 * {@code Event} is decoded field by field with the protobuf wire reader and TensorFlow's generated {@link Summary}
 * (apart from {@link Events}' descriptor, so a test of the writer is not the writer checking itself). Scalars only:
 * a summary value of another kind is an error.
 */
public final class EventFileReader {
    /** One decoded event: wall time, step, and either the file version or the summary's scalars by tag. */
    public record Event(double wallTime, long step, String fileVersion, Map<String, Float> scalars) {
    }

    private EventFileReader() {
    }

    private static long maskedCrc(byte[] data, int offset, int length) {
        return TfRecords.maskedCrc32c(data, offset, length) & 0xffffffffL;
    }

    /** The data of every record; a bad length, a bad checksum or a truncated record is an IllegalStateException. */
    public static List<byte[]> records(byte[] file) {
        ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<byte[]> records = new ArrayList<>();
        while (in.hasRemaining()) {
            if (in.remaining() < 12) {
                throw new IllegalStateException("truncated header at byte " + in.position());
            }
            int start = in.position();
            long length = in.getLong();
            long lengthCrc = in.getInt() & 0xffffffffL;
            if (lengthCrc != maskedCrc(file, start, 8)) {
                throw new IllegalStateException("bad length checksum at byte " + start);
            }
            if (length < 0 || length > in.remaining() - 4) {
                throw new IllegalStateException("record length " + length + " at byte " + start
                        + ": file truncated or corrupt");
            }
            byte[] data = new byte[(int) length];
            in.get(data);
            long dataCrc = in.getInt() & 0xffffffffL;
            if (dataCrc != maskedCrc(data, 0, data.length)) {
                throw new IllegalStateException("bad data checksum at byte " + start);
            }
            records.add(data);
        }
        return records;
    }

    /** Every event of a file; also fails on a field TensorBoard's scalars do not use. */
    public static List<Event> events(byte[] file) throws IOException {
        List<Event> events = new ArrayList<>();
        for (byte[] record : records(file)) {
            events.add(decode(record));
        }
        return events;
    }

    private static Event decode(byte[] record) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(record);
        double wallTime = 0;
        long step = 0;
        String version = null;
        Map<String, Float> scalars = new LinkedHashMap<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case (1 << 3) | 1 -> wallTime = in.readDouble();
                case (2 << 3) -> step = in.readInt64();
                case (3 << 3) | 2 -> version = in.readString();
                case (5 << 3) | 2 -> {
                    for (Summary.Value value : Summary.parseFrom(in.readBytes()).getValueList()) {
                        if (value.getValueCase() != Summary.Value.ValueCase.SIMPLE_VALUE) {
                            throw new IllegalStateException("not a simple value: " + value.getTag());
                        }
                        scalars.put(value.getTag(), value.getSimpleValue());
                    }
                }
                default -> throw new IllegalStateException("unexpected field tag " + tag);
            }
        }
        return new Event(wallTime, step, version, scalars);
    }
}
