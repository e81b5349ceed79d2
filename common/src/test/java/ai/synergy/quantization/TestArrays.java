package ai.synergy.quantization;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small helpers shared by the quantization tests. */
final class TestArrays {
    private TestArrays() {
    }

    /** A double row vector. */
    static INDArray vector(double... values) {
        return Nd4j.create(values, new long[]{values.length}, 'c');
    }

    /** The values in C order. */
    static double[] flat(INDArray a) {
        return a.dup('c').data().asDouble();
    }

    /** The flat indices where a 0/1 mask is 1. */
    static List<Integer> ones(INDArray mask) {
        double[] m = flat(mask);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < m.length; i++) {
            if (m[i] == 1) {
                out.add(i);
            }
        }
        return out;
    }

    /** Seeded Gaussian weights, scaled by {@code scale}, in the given shape and data type. */
    static INDArray gaussian(long seed, double scale, DataType type, long... shape) {
        Random random = new Random(seed);
        int n = 1;
        for (long s : shape) {
            n *= (int) s;
        }
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = random.nextGaussian() * scale;
        }
        return Nd4j.create(w, shape, 'c').castTo(type);
    }

    /** Raw bits of every element in C order (float bits widened for FLOAT arrays). */
    static long[] bits(INDArray a) {
        long[] out = new long[(int) a.length()];
        if (a.dataType() == DataType.FLOAT) {
            float[] f = a.dup('c').data().asFloat();
            for (int i = 0; i < f.length; i++) {
                out[i] = Float.floatToRawIntBits(f[i]);
            }
        } else {
            double[] d = a.dup('c').data().asDouble();
            for (int i = 0; i < d.length; i++) {
                out[i] = Double.doubleToRawLongBits(d[i]);
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static <T> T roundTrip(T value) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }
}
