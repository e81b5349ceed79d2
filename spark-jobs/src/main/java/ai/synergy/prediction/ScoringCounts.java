package ai.synergy.prediction;

import org.apache.spark.util.LongAccumulator;

import java.io.Serializable;
import java.util.List;

/**
 * Both sides: how many images the scoring tasks scored and could not score, summed on the driver as tasks finish (the
 * progress line of {@code predict}).
 *
 * @param scored images scored
 * @param failed images listed with a reason instead
 */
public record ScoringCounts(LongAccumulator scored, LongAccumulator failed) implements Serializable {

    /** Executor side: counts a minibatch's outcomes. */
    void add(List<ImageScorer.Outcome> outcomes) {
        long ok = outcomes.stream().filter(ImageScorer.Outcome::scored).count();
        scored.add(ok);
        failed.add(outcomes.size() - ok);
    }
}
