package ai.synergy.chain;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The content of a chain's {@code stages.json}: its configuration, the stages done so far in order, and when it
 * started and finished. Written (atomically) before the first stage and after every stage's evaluation.
 *
 * @param config     the chain's settings
 * @param stages     the done stages' results, in order
 * @param createdAt  ISO-8601 time the chain started
 * @param finishedAt ISO-8601 time its last stage was recorded; null until then
 */
public record ChainState(ChainConfig config, List<StageResult> stages, String createdAt, String finishedAt) {

    public ChainState {
        stages = List.copyOf(stages);
    }

    /** The recorded result of a stage, if it is done. */
    public Optional<StageResult> result(String stage) {
        return stages.stream().filter(r -> r.stage().equals(stage)).findFirst();
    }

    /** This state with {@code result} recorded (replacing an older record of the same stage). */
    ChainState with(StageResult result) {
        List<StageResult> next = new ArrayList<>(stages.stream().filter(r -> !r.stage().equals(result.stage()))
                .toList());
        next.add(result);
        return new ChainState(config, next, createdAt, finishedAt);
    }

    /** This state marked finished at {@code time}. */
    ChainState finished(String time) {
        return new ChainState(config, stages, createdAt, time);
    }
}
