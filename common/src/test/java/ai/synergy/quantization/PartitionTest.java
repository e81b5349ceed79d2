package ai.synergy.quantization;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static ai.synergy.quantization.TestArrays.flat;
import static ai.synergy.quantization.TestArrays.gaussian;
import static ai.synergy.quantization.TestArrays.ones;
import static ai.synergy.quantization.TestArrays.vector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartitionTest {
    /** docs/methods.md section 3, "Checks": the partition check vector. */
    static final double[] P = {.61, -.45, .3, -.2, .13, -.09, .047, -.35};

    @Test
    void magnitudePartitionOfTheCheckVector() {
        INDArray half = Partition.magnitude(vector(P), null, .5);
        assertThat(ones(half)).containsExactly(0, 1, 2, 7);
        INDArray threeQuarters = Partition.magnitude(vector(P), half, .75);
        assertThat(ones(threeQuarters)).containsExactly(0, 1, 2, 3, 4, 7);
        assertThat(ones(Partition.magnitude(vector(P), threeQuarters, 1))).hasSize(8);
    }

    @Test
    void equalMagnitudesGoToTheLowerFlatIndexFirst() {
        INDArray w = vector(.1, -.5, .5, .2, .5);
        assertThat(ones(Partition.magnitude(w, null, .4))).containsExactly(1, 2);
        assertThat(ones(Partition.magnitude(w, null, .2))).containsExactly(1);
    }

    @Test
    void alreadyFrozenWeightsStayFrozenEvenWhenSmall() {
        INDArray already = vector(0, 0, 0, 0, 0, 0, 1, 0);
        INDArray mask = Partition.magnitude(vector(P), already, .5);
        assertThat(ones(mask)).containsExactly(0, 1, 6, 7);
        INDArray many = vector(0, 0, 0, 1, 1, 1, 1, 1);
        assertThat(ones(Partition.magnitude(vector(P), many, .5))).as("nothing added")
                .containsExactly(3, 4, 5, 6, 7);
    }

    @Test
    void maskHasTheWeightsShapeAndTypeInLogicalOrder() {
        INDArray c = Nd4j.create(P, new long[]{2, 4}, 'c').castTo(DataType.FLOAT);
        INDArray mask = Partition.magnitude(c.dup('f'), null, .5);
        assertThat(mask.dataType()).isEqualTo(DataType.FLOAT);
        assertThat(mask.shape()).containsExactly(2, 4);
        assertThat(ones(mask)).containsExactly(0, 1, 2, 7);
    }

    @Test
    void randomPartitionHasTheSameCountsIsSeededAndKeepsTheFrozen() {
        INDArray w = gaussian(3, 1, DataType.DOUBLE, 10, 20);
        INDArray already = Partition.magnitude(w, null, .3);
        INDArray a = Partition.random(w, already, .5, 42);
        INDArray b = Partition.random(w, already, .5, 42);
        INDArray other = Partition.random(w, already, .5, 43);
        assertThat(ones(a)).hasSize(100).containsAll(ones(already));
        assertThat(ones(other)).hasSize(100).containsAll(ones(already));
        assertThat(ones(b)).isEqualTo(ones(a));
        assertThat(ones(other)).isNotEqualTo(ones(a));
        assertThat(ones(a)).isNotEqualTo(ones(Partition.magnitude(w, already, .5)));
        assertThat(ones(Partition.random(w, null, 1, 1))).hasSize(200);
    }

    @Test
    void prunedWeightsAreFrozenFromTheStartAndLeftOutOfThePortions() {
        //                          0    1     2   3    4   5    6     7   8    9
        INDArray w = vector(.61, 0, -.45, 0, .3, -.2, 0, -.35, .13, 0);
        INDArray pruned = vector(0, 1, 0, 1, 0, 0, 1, 0, 0, 1);
        // 6 weights left: .5 of them is 3 (the largest: .61, -.45, -.35), plus the 4 pruned.
        INDArray half = Partition.magnitude(w, null, pruned, .5);
        assertThat(ones(half)).containsExactly(0, 1, 2, 3, 6, 7, 9);
        INDArray random = Partition.random(w, null, pruned, .5, 5);
        assertThat(ones(random)).hasSize(7).contains(1, 3, 6, 9);
        assertThat(ones(Partition.magnitude(w, half, pruned, 1))).hasSize(10);
        assertThat(Partition.frozenCount(10, 4, .5)).isEqualTo(7);
        assertThat(Partition.frozenCount(8, 0, .875)).isEqualTo(7);
    }

    @Test
    void aPrunedWeightMustBeZero() {
        assertThatThrownBy(() -> Partition.magnitude(vector(.5, .1), null, vector(0, 1), .5))
                .hasMessage("weight at flat index 1 is marked pruned but holds 0.1");
    }

    @Test
    void invalidInputsSayWhatIsWrong() {
        assertThatThrownBy(() -> Partition.magnitude(vector(P), null, 1.5))
                .hasMessage("accumulated portion must be in [0, 1], got 1.5");
        assertThatThrownBy(() -> Partition.magnitude(vector(P), vector(0, 2, 0, 0, 0, 0, 0, 0), .5))
                .hasMessage("already-frozen mask must hold only 0 and 1, got 2.0 at flat index 1");
        assertThatThrownBy(() -> Partition.magnitude(vector(P), vector(0, 1), .5))
                .hasMessageContaining("already-frozen mask shape [2] differs");
    }

    @Test
    void scheduleDefaultsFollowThePaper() {
        assertThat(PortionSchedule.defaultFor(5).portions()).containsExactly(.5, .75, .875, 1.0);
        assertThat(PortionSchedule.defaultFor(4).portions()).containsExactly(.3, .5, .8, .9, .95, 1.0);
        assertThat(PortionSchedule.defaultFor(2).portions())
                .containsExactly(.2, .4, .6, .7, .8, .85, .9, .95, .975, 1.0);
        assertThat(PortionSchedule.defaultFor(3)).isEqualTo(PortionSchedule.defaultFor(4));
        assertThat(PortionSchedule.defaultFor(8)).isEqualTo(PortionSchedule.defaultFor(5));
        assertThat(PortionSchedule.defaultFor(5).rounds()).isEqualTo(4);
        assertThat(PortionSchedule.defaultFor(5).portion(1)).isEqualTo(.75);
    }

    @Test
    void scheduleValidationSaysWhatIsWrong() {
        assertThatThrownBy(() -> new PortionSchedule(List.of())).hasMessageContaining("at least one");
        assertThatThrownBy(() -> new PortionSchedule(List.of(.5, .5, 1.0)))
                .hasMessage("portions must be strictly increasing, got 0.5 after 0.5");
        assertThatThrownBy(() -> new PortionSchedule(List.of(0.0, 1.0)))
                .hasMessage("portions must be in (0, 1], got 0.0 at position 0");
        assertThatThrownBy(() -> new PortionSchedule(List.of(.5, .9)))
                .hasMessage("portions must end at 1 (every weight quantized), got 0.9");
        assertThatThrownBy(() -> PortionSchedule.defaultFor(1)).hasMessage("bits must be in [2, 8], got 1");
        assertThatThrownBy(() -> PortionSchedule.defaultFor(5).portion(4)).hasMessage("round must be in [0, 4), got 4");
    }

    @Test
    void inqRoundsOnAPrunedLayerKeepZerosAndEndInTheCodebook() {
        INDArray w = gaussian(11, .1, DataType.FLOAT, 8, 25);
        INDArray pruned = Nd4j.zeros(DataType.FLOAT, 8, 25);
        for (int i = 0; i < 200; i += 3) {
            pruned.putScalar(i / 25, i % 25, 1);
        }
        w.muli(pruned.rsub(1));
        long prunedCount = ones(pruned).size();
        assertThat(prunedCount).isEqualTo(67);
        InqCodebook codebook = InqCodebook.of(w, 5);
        PortionSchedule schedule = PortionSchedule.defaultFor(5);
        INDArray frozen = null;
        for (int round = 0; round < schedule.rounds(); round++) {
            frozen = Partition.magnitude(w, frozen, pruned, schedule.portion(round));
            codebook.quantizeWhere(w, frozen);
            assertThat((long) ones(frozen).size())
                    .isEqualTo(Partition.frozenCount(200, prunedCount, schedule.portion(round)));
            assertThat(ones(frozen)).containsAll(ones(pruned));
            // What retraining does to the free weights.
            w.addi(gaussian(round, .01, DataType.FLOAT, 8, 25).muli(frozen.rsub(1)));
        }
        double[] end = flat(w);
        for (int i : ones(pruned)) {
            assertThat(end[i]).as("pruned [%d]", i).isEqualTo(0);
        }
        assertThat(Codebooks.allInCodebook(w, codebook.values())).isTrue();
        assertThat(Codebooks.distinctCount(w)).isLessThanOrEqualTo(17);
    }
}
