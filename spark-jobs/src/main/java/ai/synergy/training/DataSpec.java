package ai.synergy.training;

import ai.synergy.config.InvalidInputException;

/**
 * Where a job's images come from: an IDX data set (Fashion-MNIST layout) on any Hadoop file system.
 *
 * @param name        the data set's name given to {@code --data} (e.g. {@code fashion-mnist})
 * @param directory   folder URI holding {@code train-images-idx3-ubyte.gz} and friends
 * @param trainLimit  use only the first N training examples (0 = all), for quick runs and tests
 * @param testLimit   use only the first N test examples (0 = all)
 * @param numClasses  classes of the data set
 * @param channels    image channels
 * @param height      image height
 * @param width       image width
 * @param mean        pixel mean in [0, 1] units (normalised inside the model)
 * @param std         pixel standard deviation in [0, 1] units
 */
public record DataSpec(String name, String directory, int trainLimit, int testLimit,
                       int numClasses, int channels, int height, int width, double mean, double std) {

    /** Where the Debian package {@code dataset-fashion-mnist} installs the data. */
    public static final String FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

    public DataSpec {
        if (trainLimit < 0 || testLimit < 0) {
            throw new InvalidInputException("--train-limit/--test-limit must be >= 0, got " + trainLimit + "/" + testLimit);
        }
    }

    /**
     * Resolves {@code --data}: {@code fashion-mnist} (from {@code directory}, default the Debian package's folder)
     * or {@code idx:<folder>} for any data set in the same layout with 28x28 grey images and 10 classes.
     */
    public static DataSpec resolve(String data, String directory, int trainLimit, int testLimit) {
        if ("fashion-mnist".equals(data)) {
            String dir = directory == null ? FASHION_MNIST_DIR : directory;
            return new DataSpec("fashion-mnist", dir, trainLimit, testLimit, 10, 1, 28, 28, 0.2860, 0.3530);
        }
        if (data != null && data.startsWith("idx:") && data.length() > 4) {
            return new DataSpec(data, data.substring(4), trainLimit, testLimit, 10, 1, 28, 28, 0.5, 0.5);
        }
        throw new InvalidInputException("--data: unknown data set '" + data + "'; accepted: fashion-mnist, idx:<folder>");
    }

    /** URI of one of the four IDX files, e.g. {@code file("train-images-idx3-ubyte.gz")}. */
    public String file(String name) {
        return directory.endsWith("/") ? directory + name : directory + "/" + name;
    }

    /** The training images file. */
    public String trainImages() {
        return file("train-images-idx3-ubyte.gz");
    }

    /** The training labels file. */
    public String trainLabels() {
        return file("train-labels-idx1-ubyte.gz");
    }

    /** The test images file. */
    public String testImages() {
        return file("t10k-images-idx3-ubyte.gz");
    }

    /** The test labels file. */
    public String testLabels() {
        return file("t10k-labels-idx1-ubyte.gz");
    }
}
