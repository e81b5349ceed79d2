package ai.synergy.cli;

import ai.synergy.training.Averaging;
import picocli.CommandLine.Option;

/** Command-line options of synchronous parameter averaging, shared by every command that trains ({@code train},
 * {@code quantize}); defaults and checks are {@link Averaging}'s. */
public final class AveragingOptions {
    @Option(names = "--workers", defaultValue = "" + Averaging.WORKERS,
            description = "Data-parallel workers = shards = partitions; local mode uses local[workers] (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--batch-size", defaultValue = "" + Averaging.BATCH_SIZE_PER_WORKER,
            description = "Minibatch size per worker (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--averaging-frequency", defaultValue = "" + Averaging.AVERAGING_FREQUENCY,
            description = "Minibatches per worker between parameter averages; lower = more traffic, higher = more "
                    + "drift between workers (default: ${DEFAULT-VALUE}).")
    int averagingFrequency;

    @Option(names = "--eval-batch-size", defaultValue = "" + Averaging.EVAL_BATCH_SIZE,
            description = "Evaluation minibatch (default: ${DEFAULT-VALUE}).")
    int evalBatchSize;
}
