package ai.synergy.jobs;

import ai.synergy.config.InvalidInputException;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResumePolicyTest {
    private static final Path CHECKPOINT = new Path("/runs/a/checkpoints/epoch-0002");
    private static final String RATE = "optimizer.learningRate: 0.05 in the checkpoint, 0.1 now";
    private static final String DEPTH = "model.architecture.depth: 8 in the checkpoint, 14 now";

    private static DriverRun.ResumePolicy train(boolean allowChanged) {
        return new DriverRun.ResumePolicy(Set.of("model", "pruning"), allowChanged, "fixed", "refused");
    }

    @Test
    void allowedChangesPassAndAFixedSettingIsRefusedEvenThen() {
        assertThatCode(() -> train(true).check(CHECKPOINT, List.of(RATE))).doesNotThrowAnyException();
        assertThatCode(() -> train(false).check(CHECKPOINT, List.of())).doesNotThrowAnyException();
        assertThatThrownBy(() -> train(true).check(CHECKPOINT, List.of(RATE, DEPTH)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("--resume: checkpoint " + CHECKPOINT + " was written by a run with other settings ("
                        + DEPTH + "); pass the same options to resume it (fixed), or choose another --out for a new "
                        + "run");
    }

    @Test
    void changesNotAllowedAreAllNamed() {
        assertThatThrownBy(() -> train(false).check(CHECKPOINT, List.of(RATE, "workers: 2 in the checkpoint, 3 now")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("(" + RATE + "; workers: 2 in the checkpoint, 3 now)")
                .hasMessageContaining("resume it (refused)");
        assertThatThrownBy(() -> DriverRun.ResumePolicy.sameSettings("never").check(CHECKPOINT, List.of(DEPTH)))
                .hasMessageContaining("(" + DEPTH + ")").hasMessageContaining("resume it (never)");
    }

    @Test
    void aFixedNameCoversItsSubSettingsOnly() {
        // "modelName" is not "model": only the setting itself and the paths below it are fixed
        assertThatCode(() -> train(true).check(CHECKPOINT, List.of("modelName: a in the checkpoint, b now")))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> train(true).check(CHECKPOINT, List.of("pruning: null in the checkpoint, x now")))
                .hasMessageContaining("(fixed)");
    }
}
