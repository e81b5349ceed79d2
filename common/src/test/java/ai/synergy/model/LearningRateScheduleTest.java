package ai.synergy.model;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LearningRateScheduleTest {
    @Test
    void stepMultipliesAtEachMilestone() {
        var s = new LearningRateSchedule(LearningRateSchedule.Type.STEP, 0.1, List.of(60.0, 120.0, 160.0), 0.2, 0);
        assertThat(s.rateAt(0, 200)).isEqualTo(0.1);
        assertThat(s.rateAt(59.9, 200)).isEqualTo(0.1);
        assertThat(s.rateAt(60, 200)).isCloseTo(0.02, within(1e-12));
        assertThat(s.rateAt(130, 200)).isCloseTo(0.004, within(1e-12));
        assertThat(s.rateAt(199, 200)).isCloseTo(0.0008, within(1e-12));
    }

    @Test
    void cosineGoesFromBaseToZero() {
        var s = new LearningRateSchedule(LearningRateSchedule.Type.COSINE, 0.1, List.of(), 1, 0);
        assertThat(s.rateAt(0, 10)).isCloseTo(0.1, within(1e-12));
        assertThat(s.rateAt(5, 10)).isCloseTo(0.05, within(1e-12));
        assertThat(s.rateAt(10, 10)).isCloseTo(0.0, within(1e-12));
    }

    @Test
    void warmupIsLinear() {
        var s = new LearningRateSchedule(LearningRateSchedule.Type.COSINE, 0.1, List.of(), 1, 2);
        assertThat(s.rateAt(1, 10)).isCloseTo(0.05, within(1e-12));
        assertThat(s.rateAt(2, 10)).isCloseTo(0.1, within(1e-12));
        assertThat(s.rateAt(6, 10)).isCloseTo(0.05, within(1e-12));
    }

    @Test
    void oneCycleMatchesPyTorchDefaults() {
        var s = new LearningRateSchedule(LearningRateSchedule.Type.ONECYCLE, 0.1, List.of(), 1, 0);
        assertThat(s.rateAt(0, 1)).isCloseTo(0.004, within(1e-12));
        assertThat(s.rateAt(0.3, 1)).isCloseTo(0.1, within(1e-12));
        assertThat(s.rateAt(0.65, 1)).isCloseTo((0.1 + 0.004 / 1e4) / 2, within(1e-12));
        assertThat(s.rateAt(1, 1)).isCloseTo(0.004 / 1e4, within(1e-15));
    }
}
