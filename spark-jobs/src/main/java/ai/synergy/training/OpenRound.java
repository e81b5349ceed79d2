package ai.synergy.training;

import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Driver side: an averaging round whose arrays travel outside Spark's broadcasts and task results
 * ({@link RoundExchange#IN_JVM} and {@link RoundExchange#DIRECT}). The driver's parameters and updater state are
 * published while the round is open; each task takes them through {@link #arrays()} (carried by the round's small
 * broadcast), deposits its result with {@link #deposit()} and returns only its partition number; the driver then takes
 * the results in partition order and closes the round, in {@code finally}, so that a failed round leaves nothing open.
 */
interface OpenRound extends AutoCloseable {

    /** Where the round's tasks find the published arrays (serializable: it travels in the round's broadcast). */
    RoundArrays arrays();

    /** The task-side function that deposits a partition's worker result and returns the partition number. */
    RoundDeposit deposit();

    /** The results deposited for {@code partitions} (what the round's job returned), in partition order. */
    List<ParameterAveragingTrainingResult> results(List<Integer> partitions);

    /**
     * The results in {@code deposited} for {@code partitions}, in partition order (the order the driver sums them in,
     * whatever order they arrived in); a partition that returned without depositing is an error.
     */
    static List<ParameterAveragingTrainingResult> inPartitionOrder(
            Map<Integer, ParameterAveragingTrainingResult> deposited, List<Integer> partitions) {
        List<ParameterAveragingTrainingResult> out = new ArrayList<>();
        for (int p : partitions.stream().sorted().toList()) {
            ParameterAveragingTrainingResult result = deposited.get(p);
            if (result == null) {
                throw new IllegalStateException("partition " + p + " of an averaging round returned but deposited "
                        + "no result");
            }
            out.add(result);
        }
        return out;
    }

    /** Forgets the published arrays and the deposited results. */
    @Override
    void close();
}
