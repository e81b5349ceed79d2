package ai.synergy.training;

import ai.synergy.config.InvalidInputException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RoundPlanTest {

    @Test
    void theSmallestShardDecidesTheBatchesAndTheLastRoundIsShorter() {
        // 1,000 images per shard at 64: 15 full minibatches (the last 40 images are left out), rounds of 4, 4, 4, 3
        RoundPlan plan = RoundPlan.of(1000, 64, 4);
        assertThat(plan.batchesPerWorker()).isEqualTo(15);
        assertThat(plan.rounds()).isEqualTo(4);
        assertThat(plan.firstBatch(3)).isEqualTo(12);
        assertThat(plan.batchesIn(3)).isEqualTo(3);
        assertThat(plan.imagesPerEpoch(64, 2)).isEqualTo(15L * 64 * 2);
    }

    @Test
    void aShardSmallerThanOneMinibatchNamesTheFlags() {
        assertThatThrownBy(() -> RoundPlan.of(50, 64, 4)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--workers/--batch-size: the smallest worker's shard has 50 training images");
    }
}
