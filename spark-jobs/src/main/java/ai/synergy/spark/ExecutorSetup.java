package ai.synergy.spark;

import ai.synergy.nd4j.Nd4jRuntime;
import org.apache.spark.TaskContext;

/**
 * Executor side: what every task does before touching ND4J. Turns DL4J's layer helpers on and gives ND4J as many
 * native threads as the task has cores ({@code spark.task.cpus}), so {@code local[N]} and multi-core executors never
 * oversubscribe.
 */
public final class ExecutorSetup {
    private ExecutorSetup() {
    }

    /** Idempotent; cheap enough to call at the start of every partition function. */
    public static void forCurrentTask() {
        Nd4jRuntime.enableLayerHelpers();
        TaskContext task = TaskContext.get();
        int cores = task != null ? task.cpus() : Runtime.getRuntime().availableProcessors();
        Nd4jRuntime.configureThreads(Math.max(1, cores));
    }
}
