package ai.synergy.training;

import org.apache.spark.api.java.function.Function2;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;

import java.util.Iterator;
import java.util.List;

/**
 * Executor side: the last step of an {@link OpenRound}'s job. It takes a partition's worker result (one per non-empty
 * partition), deposits it where the driver will take it, and returns the partition number alone, so that nothing of
 * the round's size becomes a task result. A retried task's deposit replaces its earlier attempt's.
 */
abstract class RoundDeposit implements Function2<Integer, Iterator<ParameterAveragingTrainingResult>,
        Iterator<Integer>> {

    /** Hands {@code result} of {@code partition} over to the driver. */
    abstract void deposit(int partition, ParameterAveragingTrainingResult result) throws Exception;

    @Override
    public final Iterator<Integer> call(Integer partition, Iterator<ParameterAveragingTrainingResult> results)
            throws Exception {
        if (!results.hasNext()) {
            return List.<Integer>of().iterator();
        }
        ParameterAveragingTrainingResult result = results.next();
        if (results.hasNext()) {
            throw new IllegalStateException("partition " + partition + " of an averaging round produced more than "
                    + "one worker result");
        }
        deposit(partition, result);
        return List.of(partition).iterator();
    }
}
