package ai.synergy.training;

import org.deeplearning4j.spark.api.TrainingHook;

/**
 * Executor side: a training hook that holds something of the worker's network between rounds (in a pool of this JVM),
 * told by {@link RoundTrainingWorker} when a task's round starts and ends. A hook instance serves one task: Spark
 * deserializes the worker, hooks included, for every task.
 */
interface RoundScopedHook extends TrainingHook {

    /** The task's network, of configuration {@code configurationKey}, is about to fit the round's minibatches. */
    void roundStarted(String configurationKey);

    /** The task's last fit is done; what the hook took from a pool goes back to it. */
    void roundEnded();
}
