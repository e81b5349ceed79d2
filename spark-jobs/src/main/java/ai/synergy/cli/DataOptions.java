package ai.synergy.cli;

import ai.synergy.checkpoint.HadoopFiles;
import ai.synergy.config.InvalidInputException;
import ai.synergy.sharding.Augmentation;
import ai.synergy.sharding.ShardCheck;
import ai.synergy.sharding.ShardManifest;
import ai.synergy.training.DataSpec;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Option;

import java.io.IOException;

/** Command-line options that choose a data set and its input pipeline, shared by the jobs. */
public final class DataOptions {
    @Option(names = "--data", defaultValue = "fashion-mnist",
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

    @Option(names = "--image-size", defaultValue = "224",
            description = "imagenet: network input size; images are cropped and resized to this square "
                    + "(default: ${DEFAULT-VALUE}).")
    int imageSize;

    @Option(names = "--augment", defaultValue = "imagenet",
            description = "imagenet: training augmentation: imagenet (random-resized-crop 0.08-1 + flip), flip "
                    + "(center crop + flip) or none (default: ${DEFAULT-VALUE}).")
    String augment;

    @Option(names = "--eval-crop", defaultValue = "0.875",
            description = "imagenet: evaluation resizes the shorter side to size/eval-crop and crops the center "
                    + "square; 1 = no border cropped (default: ${DEFAULT-VALUE}).")
    double evalCrop;

    @Option(names = "--verify-shards", defaultValue = "index",
            description = "imagenet: what each worker checks of manifest.json's promises before using its shards: "
                    + "index (every index file's SHA-256 and every tar's size: cheap), full (also every tar's SHA-256: "
                    + "reads the data set once more) or none (default: ${DEFAULT-VALUE}).")
    String verifyShards;

    /** Checks the flags' form without touching any file, so that typos fail before Spark starts. */
    void requireWellFormed() {
        boolean known = "fashion-mnist".equals(data) || (data != null && data.startsWith("idx:") && data.length() > 4)
                || (data != null && data.startsWith("imagenet:") && data.length() > 9);
        if (!known) {
            throw new InvalidInputException("--data: unknown data set '" + data
                    + "'; accepted: fashion-mnist, idx:<folder>, imagenet:<folder>");
        }
        Augmentation.parse(augment);
        ShardCheck.parse(verifyShards);
        if (imageSize < 8) {
            throw new InvalidInputException("--image-size must be >= 8, got " + imageSize);
        }
        if (!(evalCrop > 0 && evalCrop <= 1)) {
            throw new InvalidInputException("--eval-crop must be in (0, 1], got " + evalCrop);
        }
    }

    /** The resolved data set; an {@code imagenet:} manifest is read through {@code hadoopConf}. */
    DataSpec resolve(Configuration hadoopConf) {
        requireWellFormed();
        if ("fashion-mnist".equals(data)) {
            return DataSpec.fashionMnist(dataDir, trainLimit, testLimit);
        }
        if (data != null && data.startsWith("idx:") && data.length() > 4) {
            return DataSpec.idx(data.substring(4), trainLimit, testLimit);
        }
        if (data != null && data.startsWith("imagenet:") && data.length() > 9) {
            String location = data.substring(9);
            HadoopFiles files = HadoopFiles.of(location, hadoopConf);
            try {
                ShardManifest manifest = ShardManifest.read(files, location, "--data");
                return DataSpec.shards(location, manifest, trainLimit, testLimit, imageSize,
                        Augmentation.parse(augment), evalCrop).withShardCheck(ShardCheck.parse(verifyShards));
            } catch (IOException e) {
                throw new InvalidInputException("--data: cannot read the manifest in " + location + " ("
                        + e.getMessage() + ")", e);
            }
        }
        throw new InvalidInputException("--data: unknown data set '" + data
                + "'; accepted: fashion-mnist, idx:<folder>, imagenet:<folder>");
    }
}
