package ai.synergy.quantization;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static ai.synergy.quantization.TestArrays.vector;
import static org.assertj.core.api.Assertions.assertThat;

class CodebooksTest {

    @Test
    void membershipIsExactAfterRoundingTheCodebookToTheWeightsType() {
        double centroid = .1;
        INDArray floats = vector(.1, 0, -.25).castTo(DataType.FLOAT);
        assertThat(Codebooks.allInCodebook(floats, new double[]{-.25, 0, centroid})).isTrue();
        INDArray doubles = vector((float) .1, 0, -.25);
        assertThat(Codebooks.firstOutside(doubles, new double[]{-.25, 0, centroid})).isEqualTo(0);
        assertThat(Codebooks.firstOutside(vector(.5, .25, .3), new double[]{.25, .5})).isEqualTo(2);
    }

    @Test
    void negativeZeroIsZeroAndNaNIsNeverInTheCodebook() {
        assertThat(Codebooks.allInCodebook(vector(-0.0, .5), new double[]{0, .5})).isTrue();
        assertThat(Codebooks.allInCodebook(vector(0.0), new double[]{-0.0})).isTrue();
        assertThat(Codebooks.firstOutside(vector(.5, Double.NaN), new double[]{.5, Double.NaN})).isEqualTo(1);
    }

    @Test
    void distinctValuesCountZerosOnceAndNaNsOnce() {
        INDArray w = vector(.5, -0.0, 0, .5, Double.NaN, -.25, Double.NaN, .5);
        assertThat(Codebooks.distinctValues(w)).containsExactly(-.25, 0, .5, Double.NaN);
        assertThat(Codebooks.distinctCount(w)).isEqualTo(4);
        assertThat(Codebooks.distinctCount(vector(1, 2, 3))).isEqualTo(3);
    }
}
