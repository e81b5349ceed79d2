package ai.synergy.training;

/** The training loss became NaN or infinite; the message says where, and which checkpoint is the last good one. */
public class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
