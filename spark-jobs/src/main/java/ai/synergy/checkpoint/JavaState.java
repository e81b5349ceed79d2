package ai.synergy.checkpoint;

import ai.synergy.training.PruningStages;
import ai.synergy.training.QuantizationRounds;

/**
 * Temporary stand-in for the old Java-serialization helper, kept only so that the jobs' existing call sites compile
 * until they call {@link PruningStages.Saved#toBytes} / {@link PruningStages.Saved#fromBytes} and
 * {@link QuantizationRounds#toBytes} / {@link QuantizationRounds#fromBytes} themselves; delete it then. It serializes
 * nothing itself: both directions go to the {@link StateFile} of the state's type.
 */
public final class JavaState {
    private JavaState() {
    }

    /** The state file of a {@link PruningStages.Saved} or a {@link QuantizationRounds}. */
    public static byte[] bytes(Object state) {
        if (state instanceof PruningStages.Saved saved) {
            return saved.toBytes();
        }
        if (state instanceof QuantizationRounds rounds) {
            return rounds.toBytes();
        }
        throw new IllegalArgumentException("no state file format for " + state.getClass().getName());
    }

    /** Reads the state file of {@code type}; {@code source} names the file in the error when it cannot. */
    public static <T> T read(byte[] bytes, Class<T> type, String source) {
        if (type == PruningStages.Saved.class) {
            return type.cast(PruningStages.Saved.fromBytes(bytes, source));
        }
        if (type == QuantizationRounds.class) {
            return type.cast(QuantizationRounds.fromBytes(bytes, source));
        }
        throw new IllegalArgumentException("no state file format for " + type.getName());
    }
}
