package ai.synergy.quantization;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static ai.synergy.quantization.TestArrays.bits;
import static ai.synergy.quantization.TestArrays.flat;
import static ai.synergy.quantization.TestArrays.gaussian;
import static ai.synergy.quantization.TestArrays.vector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InqCodebookTest {
    /** docs/methods.md section 3, "Checks". */
    static final double[] W = {.61, -.45, .3, -.2, .13, -.09, .047, .0121, -.0042, .0017, .0009, -.35};

    @Test
    void exponentsOfTheCheckVector() {
        InqCodebook five = InqCodebook.of(vector(W), 5);
        assertThat(five.maxAbs()).isEqualTo(.61);
        assertThat(five.n1()).isEqualTo(-1);
        assertThat(five.n2()).isEqualTo(-8);
        InqCodebook two = InqCodebook.of(vector(W), 2);
        assertThat(two.n1()).isEqualTo(-1);
        assertThat(two.n2()).isEqualTo(-1);
        assertThat(InqCodebook.of(vector(W), 4).n2()).isEqualTo(-4);
    }

    @Test
    void n1IsExactAtPowersOfTwoBoundaries() {
        // 4s/3 = 2^k exactly at s = 0.75 * 2^k.
        assertThat(new InqCodebook(5, .75).n1()).isEqualTo(0);
        assertThat(new InqCodebook(5, Math.nextDown(.75)).n1()).isEqualTo(-1);
        assertThat(new InqCodebook(5, 1.5).n1()).isEqualTo(1);
        assertThat(new InqCodebook(5, Math.nextDown(1.5)).n1()).isEqualTo(0);
        assertThat(new InqCodebook(5, 3e-3).n1()).as("4s/3 = .004 >= 2^-8").isEqualTo(-8);
    }

    @Test
    void fiveBitCheckVector() {
        INDArray q = InqCodebook.of(vector(W), 5).quantize(vector(W));
        assertThat(flat(q)).containsExactly(.5, -.5, .25, -.25, .125, -.0625, .0625, .015625, -.00390625, 0, 0, -.25);
    }

    @Test
    void twoBitCheckVector() {
        INDArray q = InqCodebook.of(vector(W), 2).quantize(vector(W));
        assertThat(flat(q)).containsExactly(.5, -.5, .5, 0, 0, 0, 0, 0, 0, 0, 0, -.5);
    }

    @Test
    void exactTiesRoundUpAndJustBelowRoundDown() {
        InqCodebook c = InqCodebook.of(vector(W), 5);
        assertThat(c.quantize(.375)).isEqualTo(.5);
        assertThat(c.quantize(-.375)).isEqualTo(-.5);
        assertThat(c.quantize(.09375)).isEqualTo(.125);
        assertThat(c.quantize(Math.scalb(1.0, -9))).isEqualTo(Math.scalb(1.0, -8));
        assertThat(c.quantize(Math.nextDown(.375))).isEqualTo(.25);
        assertThat(c.quantize(Math.nextDown(.09375))).isEqualTo(.0625);
        assertThat(c.quantize(Math.nextDown(Math.scalb(1.0, -9)))).isEqualTo(0);
        assertThat(Double.doubleToRawLongBits(c.quantize(-1e-9))).as("+0, not -0").isZero();
    }

    @Test
    void weightsThatGrewPastTheTopIntervalSaturate() {
        InqCodebook c = InqCodebook.of(vector(W), 5);
        assertThat(c.quantize(.75)).isEqualTo(.5);
        assertThat(c.quantize(-40)).isEqualTo(-.5);
    }

    @Test
    void codebookValuesAreTheSignedPowersOfTwoAndZero() {
        double[] v = new InqCodebook(5, .61).values();
        assertThat(v).hasSize(17);
        assertThat(v).containsExactly(-.5, -.25, -.125, -.0625, -.03125, -.015625, -.0078125, -.00390625, 0,
                .00390625, .0078125, .015625, .03125, .0625, .125, .25, .5);
        assertThat(new InqCodebook(2, .61).values()).containsExactly(-.5, 0, .5);
        assertThat(new InqCodebook(8, .61).values()).hasSize(129);
    }

    @Test
    void randomFloatWeightsLandInTheCodebookWithAtMost17Values() {
        INDArray w = gaussian(7, .05, DataType.FLOAT, 16, 8, 3, 3);
        InqCodebook c = InqCodebook.of(w, 5);
        INDArray q = c.quantize(w);
        assertThat(q.dataType()).isEqualTo(DataType.FLOAT);
        assertThat(q.shape()).containsExactly(16, 8, 3, 3);
        assertThat(Codebooks.allInCodebook(q, c.values())).isTrue();
        assertThat(Codebooks.distinctCount(q)).isBetween(10, 17);
        double[] in = flat(w);
        double[] out = flat(q);
        for (int i = 0; i < in.length; i++) {
            assertThat(out[i]).as("[%d]", i).isEqualTo(c.quantize(in[i]));
        }
    }

    @Test
    void storageOrderDoesNotMatter() {
        INDArray c = Nd4j.create(W, new long[]{3, 4}, 'c');
        INDArray f = c.dup('f');
        InqCodebook book = InqCodebook.of(c, 5);
        assertThat(flat(book.quantize(f))).containsExactly(flat(book.quantize(c)));
    }

    @Test
    void allZeroLayerQuantizesToZero() {
        INDArray zeros = Nd4j.zeros(DataType.FLOAT, 2, 3);
        InqCodebook c = InqCodebook.of(zeros, 5);
        assertThat(c.isZero()).isTrue();
        assertThat(c.values()).containsExactly(0);
        assertThat(c.quantize(.3)).isZero();
        assertThat(flat(c.quantize(zeros))).containsOnly(0);
        assertThatThrownBy(c::n1).isInstanceOf(IllegalStateException.class).hasMessageContaining("all-zero");
    }

    @Test
    void quantizeWhereTouchesOnlyMaskedWeights() {
        INDArray w = vector(W).castTo(DataType.FLOAT);
        long[] before = bits(w);
        INDArray mask = Nd4j.create(new double[]{1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0}, new long[]{12}, 'c');
        INDArray same = new InqCodebook(5, .61).quantizeWhere(w, mask);
        assertThat(same).isSameAs(w);
        double[] after = flat(w);
        assertThat(after[0]).isEqualTo(.5);
        assertThat(after[2]).isEqualTo(.25);
        assertThat(after[9]).isEqualTo(0);
        long[] now = bits(w);
        for (int i : new int[]{1, 3, 4, 5, 6, 7, 8, 10, 11}) {
            assertThat(now[i]).as("[%d]", i).isEqualTo(before[i]);
        }
    }

    @Test
    void invalidInputsSayWhatIsWrong() {
        assertThatThrownBy(() -> new InqCodebook(1, .5)).hasMessage("bits must be in [2, 8], got 1");
        assertThatThrownBy(() -> new InqCodebook(9, .5)).hasMessage("bits must be in [2, 8], got 9");
        assertThatThrownBy(() -> new InqCodebook(5, Double.NaN)).hasMessageContaining("max |w|");
        assertThatThrownBy(() -> new InqCodebook(5, .5).quantize(Double.NaN)).hasMessageContaining("NaN");
        assertThatThrownBy(() -> InqCodebook.of(vector(.1, Double.POSITIVE_INFINITY), 5))
                .hasMessageContaining("flat index 1");
    }
}
