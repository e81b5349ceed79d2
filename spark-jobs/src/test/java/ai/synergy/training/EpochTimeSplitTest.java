package ai.synergy.training;

import org.deeplearning4j.spark.api.stats.CommonSparkTrainingStats;
import org.deeplearning4j.spark.impl.paramavg.stats.ParameterAveragingTrainingMasterStats;
import org.deeplearning4j.spark.stats.BaseEventStats;
import org.deeplearning4j.spark.stats.EventStats;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class EpochTimeSplitTest {

    private static List<EventStats> ms(long... durations) {
        return java.util.Arrays.stream(durations).mapToObj(d -> (EventStats) new BaseEventStats(0, d)).toList();
    }

    @Test
    void splitsTheWallTimeIntoComputeDataAveragingAndScheduling() {
        // two workers: tasks of 1000 and 1200 ms; set-up 50 + 70; data 10 + 30; fits 900 + 1000
        CommonSparkTrainingStats workers = new CommonSparkTrainingStats.Builder()
                .workerFlatMapTotalTimeMs(ms(1000, 1200))
                .workerFlatMapGetInitialModelTimeMs(ms(50, 70))
                .workerFlatMapDataSetGetTimesMs(ms(4, 6, 10, 20))
                .workerFlatMapProcessMiniBatchTimesMs(ms(450, 450, 500, 500))
                .build();
        // driver: broadcast 20 ms, parameter update 30 ms
        ParameterAveragingTrainingMasterStats stats = new ParameterAveragingTrainingMasterStats(workers, null, null,
                ms(20), null, null, ms(1500), ms(1400), ms(30), null);

        EpochTimeSplit split = EpochTimeSplit.of(stats, 1.5, 1, 2);

        assertThat(split.computeSeconds()).isCloseTo(0.95, within(1e-9));
        assertThat(split.dataSeconds()).isCloseTo(0.02, within(1e-9));
        // 0.02 + 0.03 on the driver, set-up 0.06, the tasks' remaining (1.1 - 0.06 - 0.02 - 0.95) = 0.07
        assertThat(split.averagingSeconds()).isCloseTo(0.18, within(1e-9));
        assertThat(split.schedulingSeconds()).isCloseTo(1.5 - 0.95 - 0.02 - 0.18, within(1e-9));
        assertThat(split.averagingFraction()).isCloseTo(0.12, within(1e-9));
        assertThat(split.describe()).isEqualTo(
                "compute 63%, data 1%, averaging/broadcast 12%, scheduling 23% of 1.5 s");
    }
}
