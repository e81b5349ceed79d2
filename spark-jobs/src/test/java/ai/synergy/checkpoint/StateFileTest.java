package ai.synergy.checkpoint;

import ai.synergy.testing.HostileBytes;
import ai.synergy.testing.HostileBytes.Canary;
import ai.synergy.config.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.zip.CRC32;

import static ai.synergy.testing.ArrayBits.assertSameBits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The state file container: exact arrays of every supported type, and refusal of anything else, quickly. */
class StateFileTest {
    private static final String KIND = "test-state";
    private static final String SOURCE = "hdfs://nn/run/checkpoints/epoch-0003/pruning.bin";

    /** A document type for these tests. */
    record Doc(int count, String label, List<Double> values) {
    }

    private static Map<String, INDArray> everyType() {
        Map<String, INDArray> arrays = new TreeMap<>();
        arrays.put("double", Nd4j.createFromArray(Double.longBitsToDouble(0x7ff8_0000_dead_beefL), -0.0,
                Double.MIN_VALUE, Double.POSITIVE_INFINITY, Math.PI, -1e300).reshape(2, 3));
        arrays.put("float", Nd4j.createFromArray(Float.intBitsToFloat(0x7fc0_1234), -0f, Float.MIN_VALUE,
                Float.NEGATIVE_INFINITY, 1.1f, -3e38f, 7f, 0f).reshape(2, 2, 2));
        arrays.put("half", Nd4j.createFromArray(.5f, -2f, 65504f, 1e-7f).castTo(DataType.HALF));
        arrays.put("bfloat16", Nd4j.createFromArray(.5f, -2f, 3e38f).castTo(DataType.BFLOAT16));
        arrays.put("int64", Nd4j.createFromArray(Long.MIN_VALUE, -1L, 0L, Long.MAX_VALUE));
        arrays.put("int32", Nd4j.createFromArray(Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE).reshape(5, 1));
        arrays.put("int16", Nd4j.createFromArray(Short.MIN_VALUE, (short) -1, Short.MAX_VALUE));
        arrays.put("int8", Nd4j.createFromArray((byte) -128, (byte) 0, (byte) 127));
        arrays.put("uint8", Nd4j.createFromArray(0, 1, 255).castTo(DataType.UINT8));
        arrays.put("bool", Nd4j.createFromArray(true, false, false, true, true, false).reshape(3, 2));
        arrays.put("empty", Nd4j.create(DataType.FLOAT, 0));
        arrays.put("empty 2x0x3", Nd4j.create(DataType.DOUBLE, 2, 0, 3));
        arrays.put("scalar", Nd4j.scalar(DataType.FLOAT, -1.5f));
        arrays.put("1x1 conv", Nd4j.linspace(DataType.FLOAT, 1, 128, 128).reshape('c', 16, 8, 1, 1));
        arrays.put("f-order view", Nd4j.createFromArray(new float[][]{{1, 2, 3}, {4, 5, 6}}).dup('f')
                .get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3)));
        return arrays;
    }

    @Test
    void arraysOfEveryTypeComeBackBitForBitWithTypeAndShape() {
        Map<String, INDArray> arrays = everyType();
        Doc doc = new Doc(3, "caf\u00e9 \u2713", List.of(0.1, -0.0, Double.MIN_VALUE, 1e308));
        byte[] bytes = StateFile.write(KIND, doc, arrays);

        StateFile.Contents<Doc> in = StateFile.read(bytes, KIND, Doc.class, SOURCE);
        assertThat(in.document()).isEqualTo(doc);
        assertThat(Double.doubleToRawLongBits(in.document().values().get(1))).isEqualTo(Long.MIN_VALUE);
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            INDArray read = in.array(e.getKey());
            assertSameBits(read, e.getValue(), e.getKey());
            assertThat(read.ordering()).isEqualTo('c');
        }
        in.requireAllTaken();
        assertThat(in.array("f-order view").toFloatMatrix()).isEqualTo(new float[][]{{2, 3}, {5, 6}});
        assertThat(in.array("scalar").rank()).isZero();
        // same state, same bytes
        assertThat(StateFile.write(KIND, doc, arrays)).isEqualTo(bytes);
    }

    @Test
    void valuesAreLittleEndianAfterTheirHeader() {
        byte[] bytes = StateFile.write(KIND, new Doc(1, "x", List.of()), Map.of("a", Nd4j.createFromArray(
                0x01020304, 0x0a0b0c0d)));
        byte[] tail = Arrays.copyOfRange(bytes, bytes.length - 4 - 8, bytes.length - 4);
        assertThat(tail).containsExactly(4, 3, 2, 1, 0x0d, 0x0c, 0x0b, 0x0a);
    }

    private static void assertUnreadable(byte[] bytes, String reason) {
        assertThatThrownBy(() -> StateFile.read(bytes, KIND, Doc.class, SOURCE))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--resume: " + SOURCE + " is unreadable (")
                .hasMessageContaining(reason)
                .hasMessageEndingWith(")")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    @Timeout(10)
    void javaSerializedObjectsAreRefusedWithoutInstantiatingAnything() throws IOException {
        byte[] canary = HostileBytes.javaSerialized(List.of(new Canary(), new Canary()));
        Canary.CREATED.set(0);
        assertUnreadable(canary, "Java serialization stream");
        assertThat(Canary.CREATED).hasValue(0);
        assertUnreadable(HostileBytes.javaSerialized(HostileBytes.setBomb()), "Java serialization stream");
    }

    @Test
    void truncatedOrCorruptedFilesAreRefused() {
        byte[] bytes = StateFile.write(KIND, new Doc(1, "x", List.of(1.0)), everyType());
        for (int length : new int[]{0, 1, 7, 8, 20, bytes.length / 2, bytes.length - 5, bytes.length - 1}) {
            assertUnreadable(Arrays.copyOf(bytes, length), length < 8 ? "no SYNSTATE header"
                    : length < 12 ? "truncated: " + length + " bytes" : "checksum mismatch");
        }
        byte[] flipped = bytes.clone();
        flipped[bytes.length / 2] ^= 1;
        assertUnreadable(flipped, "checksum mismatch");
        byte[] magic = bytes.clone();
        magic[0] = 'X';
        assertUnreadable(magic, "no SYNSTATE header");
        assertUnreadable("{\"count\": 1}".getBytes(StandardCharsets.UTF_8), "no SYNSTATE header");
    }

    /** Magic, {@code body}, checksum: a file whose checksum is right whatever the body claims. */
    static byte[] craft(Consumer<ByteBuffer> body) {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        buffer.put(StateFile.MAGIC);
        body.accept(buffer);
        CRC32 crc = new CRC32();
        crc.update(buffer.array(), 0, buffer.position());
        buffer.putInt((int) crc.getValue());
        return Arrays.copyOf(buffer.array(), buffer.position());
    }

    static void header(ByteBuffer b, int version, String kind, String json) {
        byte[] k = kind.getBytes(StandardCharsets.UTF_8);
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        b.putInt(version).putShort((short) k.length).put(k).putInt(j.length).put(j);
    }

    private static final String JSON = "{\"count\":1,\"label\":\"x\",\"values\":[]}";

    @Test
    @Timeout(10)
    void hugeDeclaredSizesAreRefusedBeforeAnythingIsAllocated() {
        assertUnreadable(craft(b -> b.putInt(1).putShort((short) KIND.length()).put(KIND.getBytes(StandardCharsets.UTF_8))
                .putInt(Integer.MAX_VALUE)), "declares a document of 2147483647 bytes");
        assertUnreadable(craft(b -> b.putInt(1).putShort((short) KIND.length()).put(KIND.getBytes(StandardCharsets.UTF_8))
                .putInt(-1)), "declares a document of 4294967295 bytes");
        assertUnreadable(craft(b -> b.putInt(1).putShort((short) KIND.length()).put(KIND.getBytes(StandardCharsets.UTF_8))
                .putInt(1000)), "truncated: document needs 1000 bytes");
        assertUnreadable(craft(b -> b.putInt(1).putShort((short) -1)), "kind of 65535 bytes");
        assertUnreadable(craft(b -> {
            header(b, 1, KIND, JSON);
            b.putInt(Integer.MAX_VALUE);
        }), "declares 2147483647 arrays");
        assertUnreadable(craft(b -> {
            header(b, 1, KIND, JSON);
            b.putInt(1).putShort((short) 1).put((byte) 'a').put((byte) 2).put((byte) 3)
                    .putLong(1L << 40).putLong(1L << 40).putLong(1L << 40);
        }), "is larger than the");
        assertUnreadable(craft(b -> {
            header(b, 1, KIND, JSON);
            b.putInt(1).putShort((short) 1).put((byte) 'a').put((byte) 2).put((byte) 1).putLong(1000).put(new byte[1000]);
        }), "truncated: values of array a FLOAT[1000] needs 4000 bytes, 1000 left");
        assertUnreadable(craft(b -> {
            header(b, 1, KIND, JSON);
            b.putInt(1).putShort((short) 1).put((byte) 'a').put((byte) 2).put((byte) 200);
        }), "rank 200");
        assertUnreadable(craft(b -> {
            header(b, 1, KIND, JSON);
            b.putInt(1).putShort((short) 1).put((byte) 'a').put((byte) 2).put((byte) 1).putLong(-4);
        }), "negative dimension");
        assertUnreadable(craft(b -> {
            header(b, 1, KIND, JSON);
            b.putInt(1).putShort((short) 1).put((byte) 'a').put((byte) 99).put((byte) 0);
        }), "unknown data type code 99");
        assertUnreadable(craft(b -> {
            header(b, 1, KIND, JSON);
            b.putInt(1).putShort((short) 2000);
        }), "array name of 2000 bytes");
    }

    @Test
    void aWrongHeaderLayoutOrKindIsRefused() {
        assertUnreadable(craft(b -> {
            header(b, 2, KIND, JSON);
            b.putInt(0);
        }), "format version 2, this program reads 1");
        assertUnreadable(craft(b -> {
            header(b, 1, "quantization-rounds", JSON);
            b.putInt(0);
        }), "holds quantization-rounds, expected test-state");
        assertUnreadable(craft(b -> {
            header(b, 1, KIND, JSON);
            b.putInt(0).put((byte) 0);
        }), "1 bytes after the last array");
        assertUnreadable(craft(b -> {
            header(b, 1, KIND, JSON);
            b.putInt(2);
            for (int i = 0; i < 2; i++) {
                b.putShort((short) 1).put((byte) 'a').put((byte) 2).put((byte) 0).putFloat(1);
            }
        }), "repeated name 'a'");
        assertUnreadable(craft(b -> {
            header(b, 1, KIND, JSON);
            b.putInt(1).putShort((short) 2).put((byte) 0xc3).put((byte) 0x28);
        }), "array name is not UTF-8");
    }

    @Test
    void aDocumentWithUnknownMissingOrMistypedFieldsIsRefused() {
        for (String json : List.of(
                "{\"count\":1,\"label\":\"x\",\"values\":[],\"extra\":1}",
                "{\"count\":1,\"label\":\"x\"}",
                "{\"count\":\"1\",\"label\":\"x\",\"values\":[]}",
                "{\"count\":1.5,\"label\":\"x\",\"values\":[]}",
                "{\"count\":null,\"label\":\"x\",\"values\":[]}",
                "{\"count\":1,\"count\":2,\"label\":\"x\",\"values\":[]}",
                "{\"count\":1,\"label\":\"x\",\"values\":[]} {}",
                "[" .repeat(5000) + "]".repeat(5000),
                "null",
                "")) {
            assertUnreadable(craft(b -> {
                header(b, 1, KIND, json);
                b.putInt(0);
            }), json.isEmpty() || json.equals("null") ? "" : "bad document");
        }
    }

    @Test
    void readersTakeEachArrayByNameAndNoOtherIsAllowed() {
        byte[] bytes = StateFile.write(KIND, new Doc(1, "x", List.of()), Map.of("a", Nd4j.ones(2), "b",
                Nd4j.zeros(3)));
        StateFile.Contents<Doc> in = StateFile.read(bytes, KIND, Doc.class, SOURCE);
        assertThat(in.array("a").length()).isEqualTo(2);
        assertThatThrownBy(() -> in.array("c")).isInstanceOf(InvalidInputException.class)
                .hasMessage("--resume: " + SOURCE + " is unreadable (has no array 'c')");
        assertThatThrownBy(in::requireAllTaken).isInstanceOf(InvalidInputException.class)
                .hasMessage("--resume: " + SOURCE + " is unreadable (holds an unexpected array 'b')");
        in.array("b");
        in.requireAllTaken();
    }

    @Test
    void writingRefusesWhatTheLayoutCannotHold() {
        Doc doc = new Doc(1, "x", List.of());
        assertThatThrownBy(() -> StateFile.write(KIND, doc, Map.of("", Nd4j.ones(1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StateFile.write(KIND, doc, Map.of("s", Nd4j.create("text"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UTF8");
        assertThatThrownBy(() -> StateFile.write("k".repeat(65), doc, Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
