package ai.synergy.dataset;

import ai.synergy.config.InvalidInputException;
import ai.synergy.config.InvalidSettingException;
import ai.synergy.config.Require;
import ai.synergy.io.HadoopFiles;
import ai.synergy.prepare.ShardManifest;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;

/**
 * A data set as a user names it, before anything is read: {@link #resolve} turns it into a {@link DataSpec} (for
 * {@code imagenet:} by reading the shards' manifest). The command line, notebooks and Spark code all choose their data
 * through this one type; the defaults below are the product's.
 *
 * @param data         {@code fashion-mnist}, {@code idx:<folder URI>} or {@code imagenet:<folder URI>} (shards written
 *                     by {@code prepare})
 * @param fashionMnistDir folder of the Fashion-MNIST IDX files; null = {@link DataSpec#FASHION_MNIST_DIR}
 * @param trainLimit   use only the first N training images (0 = all)
 * @param testLimit    use only the first N test images (0 = all)
 * @param imageSize    imagenet: the network's input size (square)
 * @param augmentation imagenet: training augmentation
 * @param evalCrop     imagenet: evaluation resizes the shorter side to size / evalCrop and crops the center
 * @param shardCheck   imagenet: what each worker verifies of the manifest before using its shards
 */
public record DataSource(String data, String fashionMnistDir, int trainLimit, int testLimit, int imageSize,
                         Augmentation augmentation, double evalCrop, ShardCheck shardCheck) {
    /** The default data set. */
    public static final String DEFAULT_DATA = "fashion-mnist";
    /** The default ImageNet input size. */
    public static final int DEFAULT_IMAGE_SIZE = 224;
    /** The default evaluation crop (the ResNet recipe's 224 of 256). */
    public static final double DEFAULT_EVAL_CROP = 0.875;
    /** The default training augmentation. */
    public static final String DEFAULT_AUGMENTATION = "imagenet";
    /** The default shard verification. */
    public static final String DEFAULT_SHARD_CHECK = "index";

    private static final String ACCEPTED = "accepted: fashion-mnist, idx:<folder>, imagenet:<folder>";

    public DataSource {
        if (!(DEFAULT_DATA.equals(data) || prefixed(data, "idx:") || prefixed(data, "imagenet:"))) {
            throw new InvalidSettingException("data", ": unknown data set '" + data + "'; " + ACCEPTED);
        }
        Require.atLeast("trainLimit", trainLimit, 0);
        Require.atLeast("testLimit", testLimit, 0);
        Require.atLeast("imageSize", imageSize, 8);
        Require.inLeftOpen("evalCrop", evalCrop, 0, 1);
        augmentation = augmentation == null ? Augmentation.parse(DEFAULT_AUGMENTATION) : augmentation;
        shardCheck = shardCheck == null ? ShardCheck.parse(DEFAULT_SHARD_CHECK) : shardCheck;
    }

    /** {@code data} (fashion-mnist, idx:..., imagenet:...) with every other setting at its default. */
    public static DataSource of(String data) {
        return new DataSource(data, null, 0, 0, DEFAULT_IMAGE_SIZE, null, DEFAULT_EVAL_CROP, null);
    }

    /** Fashion-MNIST from the Debian package's folder. */
    public static DataSource fashionMnist() {
        return of(DEFAULT_DATA);
    }

    /** The same data set, limited to the first {@code train} training and {@code test} test images (0 = all). */
    public DataSource limit(int train, int test) {
        return new DataSource(data, fashionMnistDir, train, test, imageSize, augmentation, evalCrop, shardCheck);
    }

    /** Fashion-MNIST read from {@code folder} instead of the Debian package's. */
    public DataSource fashionMnistDir(String folder) {
        return new DataSource(data, folder, trainLimit, testLimit, imageSize, augmentation, evalCrop, shardCheck);
    }

    /** ImageNet shards fed at {@code size} x {@code size}. */
    public DataSource imageSize(int size) {
        return new DataSource(data, fashionMnistDir, trainLimit, testLimit, size, augmentation, evalCrop, shardCheck);
    }

    /** ImageNet shards with another training augmentation. */
    public DataSource augmentation(Augmentation value) {
        return new DataSource(data, fashionMnistDir, trainLimit, testLimit, imageSize, value, evalCrop, shardCheck);
    }

    /** ImageNet shards with another evaluation crop. */
    public DataSource evalCrop(double fraction) {
        return new DataSource(data, fashionMnistDir, trainLimit, testLimit, imageSize, augmentation, fraction,
                shardCheck);
    }

    /** ImageNet shards verified as {@code check} says. */
    public DataSource shardCheck(ShardCheck check) {
        return new DataSource(data, fashionMnistDir, trainLimit, testLimit, imageSize, augmentation, evalCrop, check);
    }

    /** The data set's description; an {@code imagenet:} manifest is read through {@code hadoopConf}. */
    public DataSpec resolve(Configuration hadoopConf) {
        if (DEFAULT_DATA.equals(data)) {
            return DataSpec.fashionMnist(fashionMnistDir, trainLimit, testLimit);
        }
        if (data.startsWith("idx:")) {
            return DataSpec.idx(data.substring(4), trainLimit, testLimit);
        }
        String location = data.substring("imagenet:".length());
        HadoopFiles files = HadoopFiles.of(location, hadoopConf);
        ShardManifest manifest;
        try {
            manifest = ShardManifest.read(files, location, "data");
        } catch (IOException e) {
            throw new InvalidSettingException("data", ": cannot read the manifest in " + location + " ("
                    + e.getMessage() + ")");
        } catch (InvalidSettingException e) {
            throw e;
        } catch (InvalidInputException e) { // "data: <manifest> does not exist ...": the setting names the data set
            throw new InvalidSettingException("data", e.getMessage().substring("data".length()));
        }
        return DataSpec.shards(location, manifest, trainLimit, testLimit, imageSize, augmentation, evalCrop)
                .withShardCheck(shardCheck);
    }

    private static boolean prefixed(String value, String prefix) {
        return value != null && value.startsWith(prefix) && value.length() > prefix.length();
    }
}
