package ai.synergy.checkpoint;

import ai.synergy.config.InvalidInputException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * Driver state kept beside a checkpoint's model (ADMM variables and masks, quantization rounds) as one file that
 * reading cannot turn into arbitrary objects: a JSON document bound to one record type by a strict mapper (unknown,
 * missing or mistyped fields are errors), plus named ND4J arrays as their raw values with data type and shape, the
 * same bytes whatever backend wrote them. Every size is checked against the bytes actually present before anything
 * is allocated, and any malformation is an {@link InvalidInputException} naming the file.
 *
 * <p>Layout, every integer little-endian:
 * <pre>
 *   magic     8 bytes, "SYNSTATE"
 *   version   int32, {@value #VERSION}
 *   kind      uint16 length + UTF-8: what the file holds, e.g. "pruning-stages"
 *   document  int32 length + UTF-8 JSON
 *   count     int32: number of arrays
 *   per array name (uint16 length + UTF-8), data type (uint8, {@link #DATA_TYPES}[code - 1]), rank (uint8),
 *             shape (rank x int64), values (C order, little-endian, length x width bytes)
 *   crc32     int32 (low 32 bits) of every byte before it
 * </pre>
 */
public final class StateFile {
    /** The layout version written and the only one read. */
    public static final int VERSION = 1;
    /** The data types an array may have; a type's code in the file is its index here plus one. */
    public static final List<DataType> DATA_TYPES = List.of(DataType.DOUBLE, DataType.FLOAT, DataType.HALF,
            DataType.BFLOAT16, DataType.INT64, DataType.INT32, DataType.INT16, DataType.INT8, DataType.UINT8,
            DataType.BOOL);
    static final byte[] MAGIC = "SYNSTATE".getBytes(StandardCharsets.US_ASCII);
    static final int MAX_KIND_BYTES = 64;
    static final int MAX_DOCUMENT_BYTES = 16 << 20;
    static final int MAX_ARRAYS = 1 << 16;
    static final int MAX_NAME_BYTES = 1024;
    static final int MAX_RANK = 32;
    /** magic, version, kind length, document length, count, crc. */
    private static final int FIXED_BYTES = 8 + 4 + 2 + 4 + 4 + 4;
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
                    DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES,
                    DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
                    DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS,
                    DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    private StateFile() {
    }

    /**
     * The file holding {@code document} (a record, written as JSON) and {@code arrays} (by name, written in name
     * order; views and any ordering are fine).
     *
     * @param kind what the file holds; {@link #read} checks it
     * @throws IllegalArgumentException when a limit of the layout is exceeded or an array's data type is not one of
     *                                  {@link #DATA_TYPES}
     */
    public static byte[] write(String kind, Object document, Map<String, INDArray> arrays) {
        byte[] kindBytes = utf8(kind);
        check(kindBytes.length <= MAX_KIND_BYTES, "kind longer than " + MAX_KIND_BYTES + " bytes: " + kind);
        byte[] json;
        try {
            json = MAPPER.writeValueAsBytes(document);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + document.getClass().getSimpleName() + " as JSON", e);
        }
        check(json.length <= MAX_DOCUMENT_BYTES, "document of " + json.length + " bytes exceeds "
                + MAX_DOCUMENT_BYTES);
        check(arrays.size() <= MAX_ARRAYS, arrays.size() + " arrays exceed " + MAX_ARRAYS);
        Map<String, INDArray> sorted = new TreeMap<>(arrays);
        long size = FIXED_BYTES + (long) kindBytes.length + json.length;
        for (Map.Entry<String, INDArray> e : sorted.entrySet()) {
            int nameBytes = utf8(e.getKey()).length;
            INDArray a = e.getValue();
            check(nameBytes > 0 && nameBytes <= MAX_NAME_BYTES, "array name must have 1 to " + MAX_NAME_BYTES
                    + " bytes: '" + e.getKey() + "'");
            check(DATA_TYPES.contains(a.dataType()), "array " + e.getKey() + " has data type " + a.dataType()
                    + "; supported: " + DATA_TYPES);
            check(a.rank() <= MAX_RANK, "array " + e.getKey() + " has rank " + a.rank());
            size += 2 + nameBytes + 1 + 1 + 8L * a.rank() + a.length() * a.dataType().width();
        }
        check(size <= Integer.MAX_VALUE - 8, "state of " + size + " bytes is too large for one file");
        ByteBuffer out = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).putInt(VERSION);
        out.putShort((short) kindBytes.length).put(kindBytes);
        out.putInt(json.length).put(json);
        out.putInt(sorted.size());
        for (Map.Entry<String, INDArray> e : sorted.entrySet()) {
            byte[] name = utf8(e.getKey());
            INDArray a = e.getValue();
            out.putShort((short) name.length).put(name);
            out.put((byte) (DATA_TYPES.indexOf(a.dataType()) + 1)).put((byte) a.rank());
            for (long d : a.shape()) {
                out.putLong(d);
            }
            if (a.length() > 0) {
                INDArray c = a.dup('c');
                Nd4j.getAffinityManager().ensureLocation(c, AffinityManager.Location.HOST);
                copyBytes(values(c), ByteOrder.nativeOrder(), out, a.dataType().width());
            }
        }
        out.putInt((int) crc(out.array(), out.position()));
        return out.array();
    }

    /**
     * Reads a file {@link #write} made: checks the layout, the checksum, the version and {@code kind}, binds the
     * document to {@code type} and creates the arrays.
     *
     * @param source names the file in errors
     * @throws InvalidInputException "--resume: SOURCE is unreadable (why)" on any malformation
     */
    public static <T> Contents<T> read(byte[] bytes, String kind, Class<T> type, String source) {
        Parser in = new Parser(bytes, source);
        String document = in.header(kind);
        int count = in.int32();
        if (count < 0 || count > MAX_ARRAYS) {
            throw unreadable(source, "declares " + Integer.toUnsignedString(count) + " arrays, at most " + MAX_ARRAYS
                    + " allowed", null);
        }
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String name = in.string(MAX_NAME_BYTES, "array name");
            if (name.isEmpty() || arrays.containsKey(name)) {
                throw unreadable(source, "array " + i + " has an empty or repeated name '" + name + "'", null);
            }
            arrays.put(name, in.array(name));
        }
        in.end();
        T value;
        try {
            value = MAPPER.readValue(document, type);
        } catch (JsonProcessingException e) {
            throw unreadable(source, "bad document: " + e.getOriginalMessage(), e);
        }
        if (value == null) {
            throw unreadable(source, "the document is null", null);
        }
        return new Contents<>(value, arrays, source);
    }

    /** "--resume: SOURCE is unreadable (REASON)", on one line. */
    public static InvalidInputException unreadable(String source, String reason, Throwable cause) {
        String line = String.valueOf(reason).replaceAll("\\s+", " ").trim();
        if (line.length() > 300) {
            line = line.substring(0, 300) + "...";
        }
        return new InvalidInputException("--resume: " + source + " is unreadable (" + line + ")", cause);
    }

    /**
     * What a file holds: its document and its arrays, each of which the reader takes once by name.
     *
     * @param <T> the document's record type
     */
    public static final class Contents<T> {
        private final T document;
        private final Map<String, INDArray> arrays;
        private final Set<String> taken = new HashSet<>();
        private final String source;

        private Contents(T document, Map<String, INDArray> arrays, String source) {
            this.document = document;
            this.arrays = Collections.unmodifiableMap(arrays);
            this.source = source;
        }

        /** The document. */
        public T document() {
            return document;
        }

        /** The array named {@code name}; a missing one makes the file unreadable. */
        public INDArray array(String name) {
            INDArray a = arrays.get(name);
            if (a == null) {
                throw unreadable("has no array '" + name + "'", null);
            }
            taken.add(name);
            return a;
        }

        /** Makes the file unreadable when it holds an array that no {@link #array} call asked for. */
        public void requireAllTaken() {
            for (String name : arrays.keySet()) {
                if (!taken.contains(name)) {
                    throw unreadable("holds an unexpected array '" + name + "'", null);
                }
            }
        }

        /** The error for this file: the document or arrays are not a state the reader can use. */
        public InvalidInputException unreadable(String reason, Throwable cause) {
            return StateFile.unreadable(source, reason, cause);
        }
    }

    /** Reads the layout front to back, checking every declared size against the bytes left. */
    private static final class Parser {
        private final ByteBuffer buffer;
        private final String source;

        Parser(byte[] bytes, String source) {
            this.source = source;
            if (bytes.length >= 2 && (bytes[0] & 0xff) == 0xac && (bytes[1] & 0xff) == 0xed) {
                throw fail("a Java serialization stream, which is not read any more; only state files written by "
                        + "this version can resume");
            }
            if (bytes.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
                throw fail("not a synergy state file: no SYNSTATE header in its " + bytes.length + " bytes");
            }
            if (bytes.length < MAGIC.length + 4) {
                throw fail("truncated: " + bytes.length + " bytes");
            }
            int end = bytes.length - 4;
            long stored = ByteBuffer.wrap(bytes, end, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
            if (stored != crc(bytes, end)) {
                throw fail("checksum mismatch: truncated or corrupted");
            }
            this.buffer = ByteBuffer.wrap(bytes, 0, end).order(ByteOrder.LITTLE_ENDIAN);
            buffer.position(MAGIC.length);
        }

        /** Version and kind checked; the document's text. */
        String header(String kind) {
            int version = int32();
            if (version != VERSION) {
                throw fail("format version " + version + ", this program reads " + VERSION);
            }
            String actual = string(MAX_KIND_BYTES, "kind");
            if (!actual.equals(kind)) {
                throw fail("holds " + actual + ", expected " + kind);
            }
            int length = int32();
            if (length < 0 || length > MAX_DOCUMENT_BYTES) {
                throw fail("declares a document of " + Integer.toUnsignedString(length) + " bytes, at most "
                        + MAX_DOCUMENT_BYTES + " allowed");
            }
            return utf8(bytes(length, "document"), "document");
        }

        int int32() {
            need(4, "an int");
            return buffer.getInt();
        }

        String string(int maxBytes, String what) {
            need(2, what);
            int length = Short.toUnsignedInt(buffer.getShort());
            if (length > maxBytes) {
                throw fail(what + " of " + length + " bytes, at most " + maxBytes + " allowed");
            }
            return utf8(bytes(length, what), what);
        }

        INDArray array(String name) {
            need(2, "array " + name);
            int code = Byte.toUnsignedInt(buffer.get());
            int rank = Byte.toUnsignedInt(buffer.get());
            if (code < 1 || code > DATA_TYPES.size()) {
                throw fail("array " + name + " has unknown data type code " + code);
            }
            if (rank > MAX_RANK) {
                throw fail("array " + name + " has rank " + rank + ", at most " + MAX_RANK + " allowed");
            }
            DataType type = DATA_TYPES.get(code - 1);
            need(8L * rank, "shape of array " + name);
            long[] shape = new long[rank];
            long length = 1;
            for (int d = 0; d < rank; d++) {
                shape[d] = buffer.getLong();
                if (shape[d] < 0) {
                    throw fail("array " + name + " has a negative dimension " + shape[d]);
                }
                if (shape[d] > 0 && length > buffer.remaining() / shape[d]) {
                    throw fail("array " + name + " of shape " + Arrays.toString(Arrays.copyOf(shape, d + 1))
                            + "... is larger than the " + buffer.remaining() + " bytes left");
                }
                length *= shape[d];
            }
            long bytes = length * type.width();
            need(bytes, "values of array " + name + " " + type + Arrays.toString(shape));
            try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                INDArray a = Nd4j.create(type, shape, 'c');
                ByteBuffer values = buffer.slice().limit((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
                if (length > 0) {
                    copyBytes(values, ByteOrder.LITTLE_ENDIAN, values(a), type.width());
                    Nd4j.getAffinityManager().tagLocation(a, AffinityManager.Location.HOST);
                }
                buffer.position(buffer.position() + (int) bytes);
                return a;
            }
        }

        void end() {
            if (buffer.hasRemaining()) {
                throw fail(buffer.remaining() + " bytes after the last array");
            }
        }

        private byte[] bytes(int length, String what) {
            need(length, what);
            byte[] out = new byte[length];
            buffer.get(out);
            return out;
        }

        private void need(long bytes, String what) {
            if (bytes > buffer.remaining()) {
                throw fail("truncated: " + what + " needs " + bytes + " bytes, " + buffer.remaining() + " left");
            }
        }

        private String utf8(byte[] bytes, String what) {
            try {
                CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
                return chars.toString();
            } catch (CharacterCodingException e) {
                throw fail(what + " is not UTF-8");
            }
        }

        private InvalidInputException fail(String reason) {
            return unreadable(source, reason, null);
        }
    }

    /**
     * Copies {@code from} (elements of {@code width} bytes in {@code order}) into {@code to} at its position, in
     * {@code to}'s order; advances {@code to}.
     */
    private static void copyBytes(ByteBuffer from, ByteOrder order, ByteBuffer to, int width) {
        if (order == to.order() || width == 1) {
            to.put(from);
            return;
        }
        byte[] element = new byte[width];
        while (from.hasRemaining()) {
            from.get(element);
            for (int i = width - 1; i >= 0; i--) {
                to.put(element[i]);
            }
        }
    }

    /**
     * The values of a new, non-empty C-order array (from {@code dup('c')} or {@code Nd4j.create}: its own buffer,
     * exactly its length) as a native-order byte buffer over its host memory. On a GPU backend the caller syncs the
     * host copy first (reading) or marks it as the current one afterwards (writing).
     */
    private static ByteBuffer values(INDArray fresh) {
        int bytes = Math.toIntExact(fresh.length() * fresh.dataType().width());
        if (fresh.ordering() != 'c' || fresh.offset() != 0 || fresh.data().length() != fresh.length()) {
            throw new IllegalStateException("not a new C-order array: " + fresh.shapeInfoToString());
        }
        return fresh.data().asNio().duplicate().order(ByteOrder.nativeOrder()).position(0).limit(bytes).slice()
                .order(ByteOrder.nativeOrder());
    }

    private static long crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return crc.getValue();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
