package ai.synergy.dataset;

import ai.synergy.prepare.ShardManifest;

import java.util.List;

/**
 * Where a job's images come from and how they reach the network: an IDX data set (Fashion-MNIST layout) or JPEG shards
 * written by {@code prepare}, on any Hadoop file system. Resolved from a {@link DataSource}, which validates the
 * settings.
 *
 * @param format           the storage format
 * @param name             the data set's name as the user gave it ({@link DataSource#data()})
 * @param location         IDX: the folder holding {@code train-images-idx3-ubyte.gz} and friends; SHARDS: the
 *                         folder holding {@code manifest.json}
 * @param trainLimit       use only the first N training examples (0 = all), for quick runs and tests
 * @param testLimit        use only the first N test examples (0 = all)
 * @param numClasses       classes of the data set
 * @param channels         network input channels
 * @param height           network input height
 * @param width            network input width
 * @param mean             per-channel pixel mean in [0, 1] units (normalised inside the model)
 * @param std              per-channel pixel standard deviation in [0, 1] units
 * @param augmentation     training-time augmentation (JPEG shards only)
 * @param evalCropFraction evaluation center crop: shorter side resized to size / fraction, then cropped (JPEG shards)
 * @param shardCheck       what of the manifest's promises each worker verifies before using its shards (JPEG shards;
 *                         null, as in configurations saved before it existed, means {@link ShardCheck#INDEX})
 */
public record DataSpec(Format format, String name, String location, int trainLimit, int testLimit, int numClasses,
                       int channels, int height, int width, List<Double> mean, List<Double> std,
                       Augmentation augmentation, double evalCropFraction, ShardCheck shardCheck) {

    /** Where the Debian package {@code dataset-fashion-mnist} installs the data. */
    public static final String FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

    /** Storage formats. */
    public enum Format {
        /** Four IDX files (images and labels of the train and test splits), decoded into executor memory. */
        IDX,
        /** JPEG tar shards with offset indexes and a manifest, read by positioned reads on the executors. */
        SHARDS
    }

    public DataSpec {
        mean = List.copyOf(mean);
        std = List.copyOf(std);
        shardCheck = shardCheck == null ? ShardCheck.INDEX : shardCheck;
    }

    /** Fashion-MNIST from {@code directory} (default: the Debian package's folder). */
    public static DataSpec fashionMnist(String directory, int trainLimit, int testLimit) {
        String dir = directory == null ? FASHION_MNIST_DIR : directory;
        return new DataSpec(Format.IDX, "fashion-mnist", dir, trainLimit, testLimit, 10, 1, 28, 28, List.of(0.2860),
                List.of(0.3530), Augmentation.NONE, 1.0, ShardCheck.NONE);
    }

    /** Any IDX data set in the Fashion-MNIST layout (28x28 grey, 10 classes). */
    public static DataSpec idx(String directory, int trainLimit, int testLimit) {
        return new DataSpec(Format.IDX, "idx:" + directory, directory, trainLimit, testLimit, 10, 1, 28, 28,
                List.of(0.5), List.of(0.5), Augmentation.NONE, 1.0, ShardCheck.NONE);
    }

    /**
     * Shards written by {@code prepare} into {@code location}: classes and normalisation statistics come from its
     * manifest; images are fed as 3 x imageSize x imageSize. Shards are verified with {@link ShardCheck#INDEX}.
     */
    public static DataSpec shards(String location, ShardManifest manifest, int trainLimit, int testLimit,
                                  int imageSize, Augmentation augmentation, double evalCropFraction) {
        ShardManifest.ChannelStatistics stats = manifest.trainStatistics();
        List<Double> mean = stats != null ? stats.mean() : List.of(0.485, 0.456, 0.406);
        List<Double> std = stats != null ? stats.std().stream().map(s -> Math.max(s, 1e-3)).toList()
                : List.of(0.229, 0.224, 0.225);
        return new DataSpec(Format.SHARDS, "imagenet:" + location, location, trainLimit, testLimit,
                manifest.classes().size(), 3, imageSize, imageSize, mean, std, augmentation, evalCropFraction,
                ShardCheck.INDEX);
    }

    /** The same data, with the shards verified as {@code check} says. */
    public DataSpec withShardCheck(ShardCheck check) {
        return new DataSpec(format, name, location, trainLimit, testLimit, numClasses, channels, height, width, mean,
                std, augmentation, evalCropFraction, check);
    }

    /** How executors assemble minibatches of this data. */
    public BatchSpec batchSpec() {
        return format == Format.IDX ? BatchSpec.plain(numClasses)
                : new BatchSpec(numClasses, height, augmentation, evalCropFraction);
    }

    /** URI of a file in {@link #location()}, e.g. {@code file("train-images-idx3-ubyte.gz")}. */
    public String file(String fileName) {
        return location.endsWith("/") ? location + fileName : location + "/" + fileName;
    }

    /** The training images file (IDX). */
    public String trainImages() {
        return file("train-images-idx3-ubyte.gz");
    }

    /** The training labels file (IDX). */
    public String trainLabels() {
        return file("train-labels-idx1-ubyte.gz");
    }

    /** The test images file (IDX). */
    public String testImages() {
        return file("t10k-images-idx3-ubyte.gz");
    }

    /** The test labels file (IDX). */
    public String testLabels() {
        return file("t10k-labels-idx1-ubyte.gz");
    }
}
