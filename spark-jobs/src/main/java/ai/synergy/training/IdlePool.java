package ai.synergy.training;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Executor side: objects of one configuration key that earlier rounds' tasks in this JVM built and handed back, idle
 * and ready for the next round's tasks. Only objects of the latest key are kept (a task of a new key drops the old
 * ones), at most {@code maxIdle}; an object a task never hands back (a failed task) is simply not reused. Thread-safe:
 * the JVM's concurrent tasks share one pool.
 *
 * @param <T> what is pooled (a network, a network's input-gradient copy)
 */
final class IdlePool<T> {
    private final int maxIdle;
    private final Deque<T> idle = new ArrayDeque<>();
    private final AtomicLong built = new AtomicLong();
    private String idleKey = "";

    IdlePool(int maxIdle) {
        this.maxIdle = maxIdle;
    }

    /** An idle object of configuration {@code key}, if any; a new key drops the objects of the old one. */
    synchronized Optional<T> take(String key) {
        if (!key.equals(idleKey)) {
            idle.clear();
            idleKey = key;
        }
        return Optional.ofNullable(idle.pollFirst());
    }

    /** Hands an object back once its task is done with it. */
    synchronized void giveBack(String key, T object) {
        if (key.equals(idleKey) && idle.size() < maxIdle) {
            idle.addFirst(object);
        }
    }

    /** Counts an object built in this JVM (for tests and logs). */
    void countBuilt() {
        built.incrementAndGet();
    }

    /** Objects built in this JVM so far. */
    long built() {
        return built.get();
    }
}
