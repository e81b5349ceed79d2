package ai.synergy.cli;

import ai.synergy.dataset.Augmentation;
import ai.synergy.dataset.DataSource;
import ai.synergy.dataset.DataSpec;
import ai.synergy.dataset.ShardCheck;
import picocli.CommandLine.Option;

/** Command-line options that choose a data set and its input pipeline ({@link DataSource}), shared by the jobs. */
public final class DataOptions {
    @Option(names = "--data", defaultValue = DataSource.DEFAULT_DATA,
            description = "Data set: fashion-mnist, idx:<folder URI>, or imagenet:<folder URI> (shards written by "
                    + "`synergy prepare`) (default: ${DEFAULT-VALUE}).")
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

    @Option(names = "--image-size", defaultValue = "" + DataSource.DEFAULT_IMAGE_SIZE,
            description = "imagenet: network input size; images are cropped and resized to this square "
                    + "(default: ${DEFAULT-VALUE}).")
    int imageSize;

    @Option(names = "--augment", defaultValue = DataSource.DEFAULT_AUGMENTATION,
            description = "imagenet: training augmentation: imagenet (random-resized-crop 0.08-1 + flip), flip "
                    + "(center crop + flip) or none (default: ${DEFAULT-VALUE}).")
    String augment;

    @Option(names = "--eval-crop", defaultValue = "" + DataSource.DEFAULT_EVAL_CROP,
            description = "imagenet: evaluation resizes the shorter side to size/eval-crop and crops the center "
                    + "square; 1 = no border cropped (default: ${DEFAULT-VALUE}).")
    double evalCrop;

    @Option(names = "--verify-shards", defaultValue = DataSource.DEFAULT_SHARD_CHECK,
            description = "imagenet: what each worker checks of manifest.json's promises before using its shards: "
                    + "index (every index file's SHA-256 and every tar's size: cheap), full (also every tar's SHA-256: "
                    + "reads the data set once more) or none (default: ${DEFAULT-VALUE}).")
    String verifyShards;

    /** The data set the flags name; its settings are checked here, nothing is read yet. */
    DataSource source() {
        return new DataSource(data, dataDir, trainLimit, testLimit, imageSize, Augmentation.parse(augment), evalCrop,
                ShardCheck.parse(verifyShards));
    }
}
