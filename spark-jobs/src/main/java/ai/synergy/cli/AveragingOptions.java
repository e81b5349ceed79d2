package ai.synergy.cli;

import picocli.CommandLine.Option;

/** Command-line options of synchronous parameter averaging, shared by every command that trains ({@code train},
 * {@code quantize}). */
public final class AveragingOptions {
    @Option(names = "--workers", defaultValue = "2",
            description = "Data-parallel workers = shards = partitions; local mode uses local[workers] (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--batch-size", defaultValue = "64",
            description = "Minibatch size per worker (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--averaging-frequency", defaultValue = "5",
            description = "Minibatches per worker between parameter averages; lower = more traffic, higher = more "
                    + "drift between workers (default: ${DEFAULT-VALUE}).")
    int averagingFrequency;

    @Option(names = "--eval-batch-size", defaultValue = "256", description = "Evaluation minibatch (default: ${DEFAULT-VALUE}).")
    int evalBatchSize;

    /** Checks the values before Spark starts: each must be at least 1. */
    void requireValid() {
        atLeastOne("--workers", workers);
        atLeastOne("--batch-size", batchSize);
        atLeastOne("--averaging-frequency", averagingFrequency);
        atLeastOne("--eval-batch-size", evalBatchSize);
    }

    private static void atLeastOne(String flag, int value) {
        if (value < 1) {
            throw new ai.synergy.config.InvalidInputException(flag + " must be >= 1, got " + value);
        }
    }
}
