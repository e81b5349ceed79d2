package ai.synergy.dks;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class HeadOutputsTest {
    /** docs/methods.md section 1 check logits, rows [z0 z1 z2]. */
    private static final INDArray LOGITS = Nd4j.create(new double[][]{
            {2, 1, .1, 1.5, .3, .2, 3, -1, 0},
            {.5, 2.5, -1, 0, 1, 1, -.5, 2, .5}});

    private static void assertRow(INDArray actual, long row, double... expected) {
        for (int c = 0; c < expected.length; c++) {
            assertThat(actual.getDouble(row, c)).as("[%d, %d]", row, c).isCloseTo(expected[c], within(1e-9));
        }
    }

    @Test
    void splitsHeadsAndTakesTheirSoftmax() {
        INDArray[] p = HeadOutputs.softmaxPerHead(LOGITS, 3, 3);
        assertThat(p).hasSize(3);
        assertThat(p[0].shape()).containsExactly(2, 3);
        assertRow(p[0], 0, 0.6590011389, 0.2424329707, 0.0985658904);
        assertRow(p[0], 1, 0.1161145347, 0.8579768106, 0.0259086547);
        assertThat(HeadOutputs.logits(LOGITS, 2, 3, 3)).isEqualTo(Nd4j.create(new double[][]{{3, -1, 0}, {-.5, 2, .5}}));
    }

    @Test
    void ensembleIsTheMeanOfTheHeadsSoftmax() {
        INDArray e = HeadOutputs.ensemble(LOGITS, 3, 3);
        assertRow(e, 0, 0.7435584399, 0.1503233428, 0.1061182173);
        assertRow(e, 1, 0.1114556505, 0.6821509385, 0.2063934111);
        assertThat(HeadOutputs.ensemble(LOGITS.castTo(DataType.FLOAT), 3, 3).dataType()).isEqualTo(DataType.FLOAT);
    }

    @Test
    void softmaxIsStableForHugeLogits() {
        INDArray p = HeadOutputs.softmaxPerHead(Nd4j.create(new double[][]{{1000, 0, 1000, 2000}}), 2, 2)[1];
        assertRow(p, 0, 0, 1);
        assertThat(HeadOutputs.logSoftmax(Nd4j.create(new double[][]{{1000, 0}}), 1).getDouble(0, 1))
                .isEqualTo(-1000.0);
    }

    @Test
    void rejectsShapesThatDoNotSplit() {
        assertThatThrownBy(() -> HeadOutputs.softmaxPerHead(LOGITS, 2, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("logits must be [B, heads*classes] = [B, 6] (2 heads x 3 classes), got [2, 9]");
        assertThatThrownBy(() -> HeadOutputs.logits(LOGITS, 3, 3, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("head must be in [0, 3), got 3");
        assertThatThrownBy(() -> HeadOutputs.ensemble(LOGITS, 0, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("heads must be >= 1, got 0");
    }
}
