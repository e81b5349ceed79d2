package ai.synergy.sharding;

import ai.synergy.checkpoint.HadoopFiles;
import ai.synergy.config.InvalidInputException;
import ai.synergy.spark.SparkErrors;
import ai.synergy.training.DataSpec;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

import java.util.List;
import java.util.stream.IntStream;

/**
 * Driver side: a training and a test set split into one shard per worker, loaded by the executors from the shared
 * file system and kept in their memory (MEMORY_ONLY) for the whole run. Only shard sizes and fingerprints reach the
 * driver.
 *
 * @param train      one training shard per partition
 * @param test       one test shard per partition
 * @param trainInfo  sizes and identity of the training shards, in partition order
 * @param testInfo   sizes and identity of the test shards, in partition order
 */
public record ShardedDataset(JavaRDD<ImageShard> train, JavaRDD<ImageShard> test,
                             List<ImageShard.ShardInfo> trainInfo, List<ImageShard.ShardInfo> testInfo) {

    /** Validates the files on the driver (existence, size), then loads and caches the shards on the executors. */
    public static ShardedDataset load(JavaSparkContext jsc, DataSpec data, int shards) {
        HadoopFiles files = HadoopFiles.of(data.directory(), jsc.hadoopConfiguration());
        String hint = "fashion-mnist".equals(data.name())
                ? " (install it with: sudo apt-get install dataset-fashion-mnist, or pass --data-dir)" : "";
        for (String f : List.of(data.trainImages(), data.trainLabels(), data.testImages(), data.testLabels())) {
            files.requireNonEmptyFile(HadoopFiles.path(f), "--data " + data.name(), hint);
        }
        JavaRDD<ImageShard> train = shardRdd(jsc, data.trainImages(), data.trainLabels(), shards, data.trainLimit());
        JavaRDD<ImageShard> test = shardRdd(jsc, data.testImages(), data.testLabels(), shards, data.testLimit());
        List<ImageShard.ShardInfo> trainInfo = collectInfo(train);
        List<ImageShard.ShardInfo> testInfo = collectInfo(test);
        for (List<ImageShard.ShardInfo> infos : List.of(trainInfo, testInfo)) {
            for (ImageShard.ShardInfo info : infos) {
                if (info.numClasses() > data.numClasses()) {
                    throw new InvalidInputException("--data " + data.name() + ": labels go up to "
                            + (info.numClasses() - 1) + " but the data set has " + data.numClasses() + " classes");
                }
                if (info.channels() != data.channels() || info.height() != data.height()
                        || info.width() != data.width()) {
                    throw new InvalidInputException("--data " + data.name() + ": images are " + info.channels() + "x"
                            + info.height() + "x" + info.width() + ", expected " + data.channels() + "x"
                            + data.height() + "x" + data.width());
                }
            }
        }
        return new ShardedDataset(train, test, trainInfo, testInfo);
    }

    private static JavaRDD<ImageShard> shardRdd(JavaSparkContext jsc, String images, String labels, int shards,
                                                int limit) {
        List<Integer> indices = IntStream.range(0, shards).boxed().toList();
        return jsc.parallelize(indices, shards)
                .map(new LoadIdxShard(images, labels, shards, limit))
                .persist(StorageLevel.MEMORY_ONLY());
    }

    private static List<ImageShard.ShardInfo> collectInfo(JavaRDD<ImageShard> shards) {
        try {
            return shards.map(ImageShard::info).collect();
        } catch (Exception e) { // SparkException is checked but undeclared
            throw SparkErrors.unwrapInvalidInput(e);
        }
    }

    /** Examples in the smallest training shard: it bounds the minibatches every worker gets per epoch. */
    public int minTrainShardSize() {
        return trainInfo.stream().mapToInt(ImageShard.ShardInfo::count).min().orElse(0);
    }

    /** Total test examples. */
    public long testSize() {
        return testInfo.stream().mapToLong(ImageShard.ShardInfo::count).sum();
    }

    /** Identity of the data: training and test fingerprints. */
    public String fingerprint() {
        return "train:" + trainInfo.get(0).fingerprint() + ",test:" + testInfo.get(0).fingerprint();
    }

    /** Releases the executors' cached shards. */
    public void release() {
        train.unpersist(false);
        test.unpersist(false);
    }
}
