package ai.synergy.training;

import org.apache.spark.api.java.function.Function2;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Local mode's hand-over of an averaging round ({@link RoundExchange#IN_JVM}): the driver publishes its parameters
 * and updater state under a round token, the round's tasks (threads of the same JVM) copy them into their pooled
 * networks and deposit their results under the token and their partition, and the driver takes the results once the
 * round's job has returned, then closes the round. Nothing is serialized. A round's entries live from
 * {@link #open} to {@link #close}, which the driver calls in {@code finally}, so a failed round leaves nothing behind.
 */
public final class InJvmRounds {
    private static final AtomicLong NEXT = new AtomicLong();
    private static final Map<Long, Round> ROUNDS = new ConcurrentHashMap<>();

    private InJvmRounds() {
    }

    /** What the driver published for a round: its arrays, read by the tasks and not written while the round runs. */
    public record Published(INDArray parameters, INDArray updaterState) {
    }

    private record Round(Published published, Map<Integer, ParameterAveragingTrainingResult> results) {
    }

    /** Driver: publishes a round's arrays (the updater state may be null) and returns its token. */
    public static long open(INDArray parameters, INDArray updaterState) {
        long round = NEXT.incrementAndGet();
        ROUNDS.put(round, new Round(new Published(parameters, updaterState), new ConcurrentHashMap<>()));
        return round;
    }

    /** Task: the arrays the driver published for {@code round}. */
    static Published published(long round) {
        return openRound(round).published();
    }

    /**
     * Driver: the results the round's tasks deposited for {@code partitions} (what the round's job returned), in
     * partition order.
     */
    public static List<ParameterAveragingTrainingResult> results(long round, List<Integer> partitions) {
        Map<Integer, ParameterAveragingTrainingResult> deposited = openRound(round).results();
        List<ParameterAveragingTrainingResult> out = new ArrayList<>();
        for (int p : partitions.stream().sorted().toList()) {
            ParameterAveragingTrainingResult result = deposited.get(p);
            if (result == null) {
                throw new IllegalStateException("round " + round + ": partition " + p + " returned but deposited "
                        + "no result");
            }
            out.add(result);
        }
        return out;
    }

    /** Driver: forgets the round (published arrays and deposited results). */
    public static void close(long round) {
        ROUNDS.remove(round);
    }

    /** Rounds open now (for tests: none once a round has returned or failed). */
    static int openRounds() {
        return ROUNDS.size();
    }

    private static Round openRound(long round) {
        Round r = ROUNDS.get(round);
        if (r == null) {
            throw new IllegalStateException("in-JVM round " + round + " is not open in this JVM: "
                    + RoundExchange.KEY + "=in-jvm works only when the tasks run in the driver's JVM (local mode)");
        }
        return r;
    }

    /**
     * Task side of a round's job: deposits each worker result of a partition under the round and returns the
     * partition number alone (a retried task's result replaces its earlier attempt's).
     */
    public record Deposit(long round) implements Function2<Integer, Iterator<ParameterAveragingTrainingResult>,
            Iterator<Integer>> {
        @Override
        public Iterator<Integer> call(Integer partition, Iterator<ParameterAveragingTrainingResult> results) {
            if (!results.hasNext()) {
                return List.<Integer>of().iterator();
            }
            ParameterAveragingTrainingResult result = results.next();
            if (results.hasNext()) {
                throw new IllegalStateException("partition " + partition + " of round " + round
                        + " produced more than one worker result");
            }
            openRound(round).results().put(partition, result);
            return List.of(partition).iterator();
        }
    }
}
