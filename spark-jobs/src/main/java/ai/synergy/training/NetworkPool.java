package ai.synergy.training;

import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.Optional;

/**
 * Executor side: the networks this JVM's workers trained in earlier rounds, idle and ready for the next round's
 * parameters, so that a round does not rebuild its network from the configuration (ResNet-18: about 0.5 s per worker
 * and round). Only networks of the latest configuration key are kept, at most {@value #MAX_IDLE}.
 */
public final class NetworkPool {
    static final int MAX_IDLE = 8;

    private static final IdlePool<ComputationGraph> IDLE = new IdlePool<>(MAX_IDLE);

    private NetworkPool() {
    }

    /** An idle network of configuration {@code key}, if any; a new key drops the networks of the old one. */
    static Optional<ComputationGraph> take(String key) {
        return IDLE.take(key);
    }

    /** Hands a network back once its round's result has been copied out of it. */
    static void giveBack(String key, ComputationGraph network) {
        IDLE.giveBack(key, network);
    }

    /** Counts a network built from a configuration in this JVM. */
    static void countBuilt() {
        IDLE.countBuilt();
    }

    /** Networks built from a configuration in this JVM so far (for tests, logs and the executor-memory bench). */
    public static long built() {
        return IDLE.built();
    }
}
