package ai.synergy.sharding;

import ai.synergy.checkpoint.HadoopFiles;
import ai.synergy.data.shard.ShardIndex;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.util.SerializableConfiguration;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Executor side: reads the offset indexes of the shard files a worker owns (shard s belongs to worker s modulo the
 * number of workers), so that the worker can read its images directly from the shared file system; no image bytes
 * pass through the driver. Each shard is first checked against the manifest as far as the {@link ShardCheck} asks
 * ({@link ShardVerifier}), so every shard of the split is verified once, in parallel, by the worker that uses it.
 */
public final class LoadJpegShards implements Function<Integer, JpegShards> {
    private final String location;
    private final List<ShardResult> shards;
    private final int workers;
    private final int limitPerWorker;
    private final String fingerprint;
    private final ShardCheck check;
    private final SerializableConfiguration hadoopConf;

    /**
     * @param location       the prepared data set's folder URI (where {@code manifest.json} is)
     * @param shards         every shard of the split as the manifest lists it, in index order
     * @param limitPerWorker use only the first N examples of each worker's share (0 = all)
     * @param check          what to verify of each shard before using it
     * @param hadoopConf     the driver's Hadoop configuration, kept by each worker to open its shard files
     */
    public LoadJpegShards(String location, List<ShardResult> shards, int workers, int limitPerWorker,
                          String fingerprint, ShardCheck check, SerializableConfiguration hadoopConf) {
        this.location = location;
        this.shards = List.copyOf(shards);
        this.workers = workers;
        this.limitPerWorker = limitPerWorker;
        this.fingerprint = fingerprint;
        this.check = check;
        this.hadoopConf = hadoopConf;
    }

    @Override
    public JpegShards call(Integer worker) throws IOException {
        Path root = HadoopFiles.path(location);
        List<JpegShards.ShardFile> mine = new ArrayList<>();
        for (int s = worker; s < shards.size(); s += workers) {
            ShardResult shard = shards.get(s);
            Path tar = new Path(root, shard.file());
            Path indexFile = new Path(root, shard.indexFile());
            FileSystem fs = tar.getFileSystem(hadoopConf.value());
            ShardIndex index = ShardVerifier.readIndex(fs, indexFile, shard, check);
            ShardVerifier.checkTar(fs, tar, shard, check);
            mine.add(new JpegShards.ShardFile(tar.toString(), index));
        }
        return new JpegShards(worker, mine, limitPerWorker, fingerprint, hadoopConf);
    }
}
