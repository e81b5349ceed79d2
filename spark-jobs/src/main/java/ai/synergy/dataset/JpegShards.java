package ai.synergy.dataset;

import ai.synergy.data.shard.ShardIndex;
import org.apache.spark.util.SerializableConfiguration;

import java.io.Serializable;
import java.util.List;

/**
 * One worker's share of a prepared JPEG data set: the shard files it owns and their offset indexes, held in an RDD
 * partition for the run. The images stay in the shard files on the shared file system; each minibatch reads its
 * images with positioned reads, then decodes and augments them on the executor.
 *
 * @param index       worker index
 * @param shards      the worker's shard files
 * @param limit       use only the first N examples of the share (0 = all)
 * @param fingerprint identity of the split (from the manifest's checksums)
 * @param hadoopConf  Hadoop configuration to open the shard files with
 */
public record JpegShards(int index, List<ShardFile> shards, int limit, String fingerprint,
                         SerializableConfiguration hadoopConf) implements WorkerShard {

    /**
     * One shard file.
     *
     * @param uri   the tar file's URI
     * @param index its offset index
     */
    public record ShardFile(String uri, ShardIndex index) implements Serializable {
    }

    @Override
    public int count() {
        int total = shards.stream().mapToInt(s -> s.index().size()).sum();
        return limit > 0 ? Math.min(limit, total) : total;
    }

    @Override
    public ShardInfo info() {
        int maxLabel = -1;
        for (ShardFile shard : shards) {
            for (ShardIndex.Entry e : shard.index().entries()) {
                maxLabel = Math.max(maxLabel, e.label());
            }
        }
        return new ShardInfo(index, count(), 3, 0, 0, maxLabel + 1, fingerprint);
    }

    @Override
    public BatchSource open(BatchSpec spec) {
        return new JpegBatchSource(this, spec);
    }
}
