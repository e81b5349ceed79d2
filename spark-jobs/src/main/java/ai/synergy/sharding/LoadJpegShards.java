package ai.synergy.sharding;

import ai.synergy.data.shard.ShardIndex;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.util.SerializableConfiguration;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Executor side: reads the offset indexes of the shard files a worker owns (shard s belongs to worker s modulo the
 * number of workers), so that the worker can read its images directly from the shared file system; no image bytes
 * pass through the driver.
 */
public final class LoadJpegShards implements Function<Integer, JpegShards> {
    private final List<String> shardUris;
    private final int workers;
    private final int limitPerWorker;
    private final String fingerprint;
    private final SerializableConfiguration hadoopConf;

    /**
     * @param shardUris      every shard file of the split, in index order
     * @param limitPerWorker use only the first N examples of each worker's share (0 = all)
     * @param hadoopConf     the driver's Hadoop configuration, kept by each worker to open its shard files
     */
    public LoadJpegShards(List<String> shardUris, int workers, int limitPerWorker, String fingerprint,
                          SerializableConfiguration hadoopConf) {
        this.shardUris = List.copyOf(shardUris);
        this.workers = workers;
        this.limitPerWorker = limitPerWorker;
        this.fingerprint = fingerprint;
        this.hadoopConf = hadoopConf;
    }

    @Override
    public JpegShards call(Integer worker) throws IOException {
        List<JpegShards.ShardFile> mine = new ArrayList<>();
        for (int s = worker; s < shardUris.size(); s += workers) {
            String uri = shardUris.get(s);
            Path indexPath = new Path(URI.create(uri + ShardIndex.SUFFIX));
            FileSystem fs = indexPath.getFileSystem(hadoopConf.value());
            byte[] bytes = new byte[(int) fs.getFileStatus(indexPath).getLen()];
            try (FSDataInputStream in = fs.open(indexPath)) {
                in.readFully(0, bytes);
            }
            mine.add(new JpegShards.ShardFile(uri, ShardIndex.parse(bytes, indexPath.toString())));
        }
        return new JpegShards(worker, mine, limitPerWorker, fingerprint, hadoopConf);
    }
}
