package ai.synergy.training;

import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Local mode's hand-over of an averaging round ({@link RoundExchange#IN_JVM}): the driver publishes its parameters
 * and updater state under a round token, the round's tasks (threads of the same JVM) copy them into their pooled
 * networks and deposit their results under the token and their partition, and the driver takes the results once the
 * round's job has returned, then closes the round. Nothing is serialized. A round's entries live from
 * {@link #open} until the driver closes the returned {@link OpenRound}, in {@code finally}, so a failed round leaves
 * nothing behind.
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

    /** Driver: publishes a round's arrays (the updater state may be null) until the returned round is closed. */
    static OpenRound open(INDArray parameters, INDArray updaterState) {
        long round = NEXT.incrementAndGet();
        ROUNDS.put(round, new Round(new Published(parameters, updaterState), new ConcurrentHashMap<>()));
        return new OpenRound() {
            @Override
            public RoundArrays arrays() {
                return new RoundArrays.InJvm(round);
            }

            @Override
            public RoundDeposit deposit() {
                return new Deposit(round);
            }

            @Override
            public List<ParameterAveragingTrainingResult> results(List<Integer> partitions) {
                return OpenRound.inPartitionOrder(openRound(round).results(), partitions);
            }

            @Override
            public void close() {
                ROUNDS.remove(round);
            }
        };
    }

    /** Task: the arrays the driver published for {@code round}. */
    static Published published(long round) {
        return openRound(round).published();
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

    /** Task side of a round's job: deposits the partition's worker result under the round in this JVM. */
    static final class Deposit extends RoundDeposit {
        private final long round;

        Deposit(long round) {
            this.round = round;
        }

        @Override
        void deposit(int partition, ParameterAveragingTrainingResult result) {
            openRound(round).results().put(partition, result);
        }
    }
}
