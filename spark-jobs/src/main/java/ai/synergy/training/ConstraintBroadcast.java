package ai.synergy.training;

import ai.synergy.pruning.WeightConstraint;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Driver side: the weight constraint the executors apply in every minibatch step of a training master (ADMM's
 * proximal pull, hard-pruning masks, quantization's frozen weights), held as one broadcast behind one
 * {@link WeightConstraintHook}. Installing a new constraint replaces the hook and destroys the old broadcast; closing
 * removes both.
 */
public final class ConstraintBroadcast implements AutoCloseable {
    private final JavaSparkContext jsc;
    private final RoundTrainingMaster master;
    private WeightConstraintHook hook;
    private WeightConstraint installed;

    public ConstraintBroadcast(JavaSparkContext jsc, RoundTrainingMaster master) {
        this.jsc = jsc;
        this.master = master;
    }

    /** Broadcasts {@code constraint} and makes it the one the workers apply from the next round on. */
    public void install(WeightConstraint constraint) {
        close();
        hook = new WeightConstraintHook(jsc.broadcast(constraint));
        master.addHook(hook);
        installed = constraint;
    }

    /** The constraint installed now, or null. */
    public WeightConstraint installed() {
        return installed;
    }

    /** Removes the hook and frees its broadcast. Idempotent. */
    @Override
    public void close() {
        if (hook != null) {
            master.removeHook(hook);
            hook.broadcast().destroy();
            hook = null;
            installed = null;
        }
    }
}
