package ai.synergy.nd4j;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An ND4J array's values as one byte block (c order, native byte order), for Java serialization: ND4J's own
 * serialization writes an array element by element, which made a ResNet-18 broadcast (90 MB of parameters and
 * momentum) cost seconds per averaging round; a byte array is written in bulk.
 *
 * @param dataType the array's ND4J data type name
 * @param shape    the array's shape
 * @param values   the values, c order, native byte order
 */
public record PackedArray(String dataType, long[] shape, byte[] values) implements Serializable {

    /** Copies {@code array}'s values (any order or view, or an empty array) into a packed block. */
    public static PackedArray of(INDArray array) {
        if (array.isEmpty()) {
            return new PackedArray(array.dataType().name(), array.shape(), new byte[0]);
        }
        INDArray contiguous = contiguous(array);
        byte[] values = new byte[Math.toIntExact(contiguous.length() * contiguous.dataType().width())];
        nativeBytes(contiguous).get(values);
        return new PackedArray(array.dataType().name(), array.shape(), values);
    }

    /** Writes the values into {@code target}, which must have this shape and data type. */
    public void copyInto(INDArray target) {
        if (!target.dataType().name().equals(dataType) || !Arrays.equals(target.shape(), shape)) {
            throw new IllegalArgumentException("packed " + dataType + Arrays.toString(shape) + " does not fit "
                    + target.dataType() + Arrays.toString(target.shape()));
        }
        if (target.isEmpty()) {
            return;
        }
        if (isPlain(target)) {
            nativeBytes(target).put(values);
        } else {
            target.assign(unpack());
        }
    }

    /** A new c-order array (outside any workspace) holding the values. */
    public INDArray unpack() {
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            INDArray array = Nd4j.create(DataType.valueOf(dataType), shape, 'c');
            if (!array.isEmpty()) {
                nativeBytes(array).put(values);
            }
            return array;
        }
    }

    /**
     * The values of a c-order array with default strides as a native-order byte buffer whose position 0 is the
     * array's first element (ND4J's own NIO view starts at the underlying buffer's start).
     */
    public static ByteBuffer nativeBytes(INDArray array) {
        if (!isPlain(array)) {
            throw new IllegalArgumentException("not a c-order array with default strides: " + array.shapeInfoToString());
        }
        long width = array.dataType().width();
        ByteBuffer all = array.data().asNio().duplicate().order(ByteOrder.nativeOrder());
        int from = Math.toIntExact(array.offset() * width);
        int length = Math.toIntExact(array.length() * width);
        return all.position(from).limit(from + length).slice().order(ByteOrder.nativeOrder());
    }

    /** Bytes copied at a time between a native buffer and a stream. */
    public static final int CHUNK = 1 << 20;

    /** Writes {@code values}' remaining bytes to {@code out}, through a heap chunk of at most {@value #CHUNK} bytes. */
    public static void write(ByteBuffer values, OutputStream out) throws IOException {
        byte[] chunk = new byte[Math.min(CHUNK, Math.max(1, values.remaining()))];
        while (values.hasRemaining()) {
            int n = Math.min(chunk.length, values.remaining());
            values.get(chunk, 0, n);
            out.write(chunk, 0, n);
        }
    }

    /** Fills {@code values}' remaining bytes from {@code in}; an {@link EOFException} if the stream ends first. */
    public static void read(InputStream in, ByteBuffer values) throws IOException {
        byte[] chunk = new byte[Math.min(CHUNK, Math.max(1, values.remaining()))];
        while (values.hasRemaining()) {
            int want = Math.min(chunk.length, values.remaining());
            int n = in.readNBytes(chunk, 0, want);
            if (n < want) {
                throw new EOFException("stream ended " + (values.remaining() - n) + " bytes before the array's end");
            }
            values.put(chunk, 0, n);
        }
    }

    /** {@code array} itself when it is c order with default strides, otherwise a c-order copy. */
    public static INDArray contiguous(INDArray array) {
        return isPlain(array) ? array : array.dup('c');
    }

    private static boolean isPlain(INDArray array) {
        return array.ordering() == 'c' && Shape.hasDefaultStridesForShape(array);
    }
}
