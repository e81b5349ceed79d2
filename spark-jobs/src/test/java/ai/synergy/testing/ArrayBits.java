package ai.synergy.testing;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.assertj.core.api.Assertions.assertThat;

/** Bit-for-bit comparison of ND4J arrays, through ND4J's typed accessors (not through any raw byte view). */
public final class ArrayBits {
    private ArrayBits() {
    }

    /** The raw bits of every element in C order, widened to long. */
    public static long[] bits(INDArray a) {
        INDArray c = a.dup('c');
        long[] out = new long[(int) c.length()];
        if (out.length == 0) {
            return out;
        }
        DataType type = c.dataType();
        if (type == DataType.DOUBLE) {
            double[] v = c.data().asDouble();
            for (int i = 0; i < out.length; i++) {
                out[i] = Double.doubleToRawLongBits(v[i]);
            }
        } else if (type == DataType.FLOAT) {
            float[] v = c.data().asFloat();
            for (int i = 0; i < out.length; i++) {
                out[i] = Float.floatToRawIntBits(v[i]);
            }
        } else if (type == DataType.HALF || type == DataType.BFLOAT16) {
            float[] v = c.castTo(DataType.FLOAT).data().asFloat();
            for (int i = 0; i < out.length; i++) {
                out[i] = Float.floatToRawIntBits(v[i]);
            }
        } else if (type == DataType.BOOL) {
            int[] v = c.castTo(DataType.INT32).data().asInt();
            for (int i = 0; i < out.length; i++) {
                out[i] = v[i];
            }
        } else {
            long[] v = c.castTo(DataType.INT64).data().asLong();
            System.arraycopy(v, 0, out, 0, out.length);
        }
        return out;
    }

    /** Data type, shape and the bits of every element are equal. */
    public static void assertSameBits(INDArray actual, INDArray expected, String what) {
        assertThat(actual.dataType()).as(what).isEqualTo(expected.dataType());
        assertThat(actual.shape()).as(what).isEqualTo(expected.shape());
        assertThat(bits(actual)).as(what).isEqualTo(bits(expected));
    }
}
