package ai.synergy.nd4j;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Packing ND4J arrays into byte blocks for broadcasts: every layout comes back equal, through Java serialization. */
class PackedArrayTest {
    @Test
    void viewsFOrderAndDoublesSurviveJavaSerialization() throws Exception {
        INDArray big = Nd4j.arange(0, 60).castTo(DataType.FLOAT).reshape(6, 10);
        INDArray rows = big.get(NDArrayIndex.interval(2, 5), NDArrayIndex.all());
        INDArray fOrder = Nd4j.rand(DataType.FLOAT, 'f', 3, 4);
        INDArray doubles = Nd4j.rand(DataType.DOUBLE, 2, 3, 4);
        for (INDArray array : new INDArray[]{rows, fOrder, doubles, big.getColumn(3)}) {
            PackedArray back = roundTrip(PackedArray.of(array));
            assertThat(back.unpack()).as(array.shapeInfoToString()).isEqualTo(array);
            INDArray target = Nd4j.create(array.dataType(), array.shape());
            back.copyInto(target);
            assertThat(target).isEqualTo(array);
        }
        assertThat(PackedArray.of(rows).unpack().getFloat(0)).isEqualTo(20f);
    }

    @Test
    void copyIntoAViewWritesOnlyThatView() {
        INDArray big = Nd4j.zeros(DataType.FLOAT, 4, 5);
        INDArray row = big.getRow(2);
        PackedArray.of(Nd4j.ones(DataType.FLOAT, 5)).copyInto(row);
        assertThat(big.sumNumber().doubleValue()).isEqualTo(5.0);
        assertThat(big.getRow(2).minNumber().doubleValue()).isEqualTo(1.0);
    }

    @Test
    void aMismatchedTargetIsNamed() {
        PackedArray packed = PackedArray.of(Nd4j.ones(DataType.FLOAT, 2, 3));
        assertThatThrownBy(() -> packed.copyInto(Nd4j.ones(DataType.FLOAT, 3, 2)))
                .hasMessageContaining("FLOAT[2, 3]").hasMessageContaining("[3, 2]");
        assertThatThrownBy(() -> packed.copyInto(Nd4j.ones(DataType.DOUBLE, 2, 3))).hasMessageContaining("DOUBLE");
    }

    private static PackedArray roundTrip(PackedArray packed) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(packed);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (PackedArray) in.readObject();
        }
    }
}
