package ai.synergy.sharding;

import ai.synergy.checkpoint.HadoopFiles;
import ai.synergy.config.InvalidInputException;
import ai.synergy.spark.SparkErrors;
import ai.synergy.training.DataSpec;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Driver side: a training and a test set split into one share per worker, set up by the executors from the shared
 * file system and kept in their memory (MEMORY_ONLY) for the whole run: IDX images decoded, or the offset indexes of
 * JPEG shards. Only sizes and fingerprints reach the driver.
 *
 * @param train      one training share per partition
 * @param test       one test share per partition
 * @param trainInfo  sizes and identity of the training shares, in partition order
 * @param testInfo   sizes and identity of the test shares, in partition order
 */
public record ShardedDataset(JavaRDD<WorkerShard> train, JavaRDD<WorkerShard> test,
                             List<WorkerShard.ShardInfo> trainInfo, List<WorkerShard.ShardInfo> testInfo) {
    private static final Logger log = LoggerFactory.getLogger(ShardedDataset.class);

    /** Validates the inputs on the driver (existence, size, manifest), then sets up the shares on the executors. */
    public static ShardedDataset load(JavaSparkContext jsc, DataSpec data, int workers) {
        JavaRDD<WorkerShard> train;
        JavaRDD<WorkerShard> test;
        if (data.format() == DataSpec.Format.IDX) {
            requireIdxFiles(jsc, data);
            SerializableConfiguration conf = new SerializableConfiguration(jsc.hadoopConfiguration());
            train = shareRdd(jsc, workers, new LoadIdxShard(data.trainImages(), data.trainLabels(), workers,
                    data.trainLimit(), conf));
            test = shareRdd(jsc, workers, new LoadIdxShard(data.testImages(), data.testLabels(), workers,
                    data.testLimit(), conf));
        } else {
            HadoopFiles files = HadoopFiles.of(data.location(), jsc.hadoopConfiguration());
            ShardManifest manifest;
            try {
                manifest = ShardManifest.read(files, data.location(), "--data");
            } catch (IOException e) {
                throw new InvalidInputException("--data: cannot read " + data.location() + " (" + e.getMessage() + ")",
                        e);
            }
            train = shareRdd(jsc, workers, loader(jsc, data, manifest, "train", workers, data.trainLimit()));
            test = shareRdd(jsc, workers, loader(jsc, data, manifest, "val", workers, data.testLimit()));
        }
        List<WorkerShard.ShardInfo> trainInfo = collectInfo(train);
        List<WorkerShard.ShardInfo> testInfo = collectInfo(test);
        for (List<WorkerShard.ShardInfo> infos : List.of(trainInfo, testInfo)) {
            for (WorkerShard.ShardInfo info : infos) {
                if (info.numClasses() > data.numClasses()) {
                    throw new InvalidInputException("--data " + data.name() + ": labels go up to "
                            + (info.numClasses() - 1) + " but the data set has " + data.numClasses() + " classes");
                }
                if (data.format() == DataSpec.Format.IDX && (info.channels() != data.channels()
                        || info.height() != data.height() || info.width() != data.width())) {
                    throw new InvalidInputException("--data " + data.name() + ": images are " + info.channels() + "x"
                            + info.height() + "x" + info.width() + ", expected " + data.channels() + "x"
                            + data.height() + "x" + data.width());
                }
            }
        }
        return new ShardedDataset(train, test, trainInfo, testInfo);
    }

    private static void requireIdxFiles(JavaSparkContext jsc, DataSpec data) {
        HadoopFiles files = HadoopFiles.of(data.location(), jsc.hadoopConfiguration());
        String hint = "fashion-mnist".equals(data.name())
                ? " (install it with: sudo apt-get install dataset-fashion-mnist, or pass --data-dir)" : "";
        for (String f : List.of(data.trainImages(), data.trainLabels(), data.testImages(), data.testLabels())) {
            files.requireNonEmptyFile(HadoopFiles.path(f), "--data " + data.name(), hint);
        }
    }

    /** The executor function that sets up each worker's part of one split of a prepared data set. */
    private static LoadJpegShards loader(JavaSparkContext jsc, DataSpec data, ShardManifest manifest, String split, int workers,
                                         int limit) {
        ShardManifest.Split shards = manifest.split(split, "--data " + data.name());
        if (shards.shards().size() < workers) {
            throw new InvalidInputException("--data " + data.name() + ": the " + split + " split has "
                    + shards.shards().size() + " shards but --workers is " + workers + "; prepare at least as many "
                    + "shards as workers");
        }
        if (shards.shards().size() % workers != 0) {
            log.warn("{} split: {} shards over {} workers is uneven; workers with fewer shards bound every epoch's "
                    + "minibatches (prepare a multiple of the worker count)", split, shards.shards().size(), workers);
        }
        if (data.shardCheck() != ShardCheck.NONE) {
            shards.shards().forEach(s -> requireChecksums(s, data));
        }
        StringBuilder identity = new StringBuilder();
        shards.shards().forEach(s -> identity.append(s.sha256()));
        int perWorker = limit > 0 ? (limit + workers - 1) / workers : 0;
        return new LoadJpegShards(data.location(), shards.shards(), workers, perWorker, split + ":"
                + sha256(identity.toString()) + (limit > 0 ? "/first" + perWorker + "x" + workers : ""),
                data.shardCheck(), new SerializableConfiguration(jsc.hadoopConfiguration()));
    }

    /** What the executors verify must be in the manifest; a manifest without it is refused, not half-checked. */
    private static void requireChecksums(ShardResult shard, DataSpec data) {
        if (shard.bytes() <= 0 || !isSha256(shard.sha256()) || !isSha256(shard.indexSha256())) {
            throw new InvalidInputException("--data: " + data.file(ShardManifest.FILE) + " lists no size or "
                    + "checksums for " + shard.file() + " (not written by this version of prepare?); rerun prepare, "
                    + "or pass --verify-shards none to use the shards unchecked");
        }
    }

    private static boolean isSha256(String hex) {
        return hex != null && hex.matches("[0-9a-fA-F]{64}");
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JavaRDD<WorkerShard> shareRdd(JavaSparkContext jsc, int workers,
                                                 Function<Integer, ? extends WorkerShard> load) {
        List<Integer> indices = IntStream.range(0, workers).boxed().toList();
        return jsc.parallelize(indices, workers)
                .map(i -> (WorkerShard) load.call(i))
                .persist(StorageLevel.MEMORY_ONLY());
    }

    private static List<WorkerShard.ShardInfo> collectInfo(JavaRDD<WorkerShard> shards) {
        try {
            return shards.map(WorkerShard::info).collect();
        } catch (Exception e) { // SparkException is checked but undeclared
            throw SparkErrors.unwrapInvalidInput(e);
        }
    }

    /** Examples in the smallest training share: it bounds the minibatches every worker gets per epoch. */
    public int minTrainShardSize() {
        return trainInfo.stream().mapToInt(WorkerShard.ShardInfo::count).min().orElse(0);
    }

    /** Total test examples. */
    public long testSize() {
        return testInfo.stream().mapToLong(WorkerShard.ShardInfo::count).sum();
    }

    /** Identity of the data: training and test fingerprints. */
    public String fingerprint() {
        return "train:" + trainInfo.get(0).fingerprint() + ",test:" + testInfo.get(0).fingerprint();
    }

    /** Releases the executors' cached shares. */
    public void release() {
        train.unpersist(false);
        test.unpersist(false);
    }
}
