package ai.synergy.cli;

import ai.synergy.training.DataSpec;
import picocli.CommandLine.Option;

/** Command-line options that choose a data set, shared by the jobs. */
public final class DataOptions {
    @Option(names = "--data", defaultValue = "fashion-mnist",
            description = "Data set: fashion-mnist or idx:<folder URI> (default: ${DEFAULT-VALUE}).")
    String data;

    @Option(names = "--data-dir",
            description = "Folder URI of the Fashion-MNIST IDX files (default: " + DataSpec.FASHION_MNIST_DIR + ").")
    String dataDir;

    @Option(names = "--train-limit", defaultValue = "0",
            description = "Use only the first N training images (0 = all; for quick runs).")
    int trainLimit;

    @Option(names = "--test-limit", defaultValue = "0",
            description = "Use only the first N test images (0 = all).")
    int testLimit;

    /** The resolved data set. */
    DataSpec resolve() {
        return DataSpec.resolve(data, dataDir, trainLimit, testLimit);
    }
}
