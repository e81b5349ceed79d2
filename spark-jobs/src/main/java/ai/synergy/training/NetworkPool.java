package ai.synergy.training;

import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Executor side: the networks this JVM's workers trained in earlier rounds, idle and ready for the next round's
 * parameters, so that a round does not rebuild its network from the configuration (ResNet-18: about 0.5 s per worker
 * and round). Only networks of the latest configuration key are kept, at most {@value #MAX_IDLE}.
 */
final class NetworkPool {
    static final int MAX_IDLE = 8;

    private static final Deque<ComputationGraph> IDLE = new ArrayDeque<>();
    private static String idleKey = "";
    private static final AtomicLong BUILT = new AtomicLong();

    private NetworkPool() {
    }

    /** An idle network of configuration {@code key}, if any; a new key drops the networks of the old one. */
    static synchronized Optional<ComputationGraph> take(String key) {
        if (!key.equals(idleKey)) {
            IDLE.clear();
            idleKey = key;
        }
        return Optional.ofNullable(IDLE.pollFirst());
    }

    /** Hands a network back once its round's result has been copied out of it. */
    static synchronized void giveBack(String key, ComputationGraph network) {
        if (key.equals(idleKey) && IDLE.size() < MAX_IDLE) {
            IDLE.addFirst(network);
        }
    }

    /** Counts a network built from a configuration in this JVM. */
    static void countBuilt() {
        BUILT.incrementAndGet();
    }

    /** Networks built from a configuration in this JVM so far (for tests and logs). */
    static long built() {
        return BUILT.get();
    }
}
