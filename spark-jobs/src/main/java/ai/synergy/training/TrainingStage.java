package ai.synergy.training;

import java.util.Locale;

/** Where an epoch of a run falls: dense training, ADMM training, or masked retraining after hard pruning. */
public enum TrainingStage {
    /** Training without a pruning term (the whole run when pruning is off). */
    DENSE,
    /** ADMM: the proximal term pulls the weights towards their sparse projection. */
    ADMM,
    /** After hard pruning: pruned weights are held at exactly 0. */
    RETRAIN;

    /** The stage name as written in metrics and on the console. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
