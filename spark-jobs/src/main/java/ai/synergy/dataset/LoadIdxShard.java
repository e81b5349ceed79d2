package ai.synergy.dataset;

import ai.synergy.data.IdxReader;
import ai.synergy.data.LabeledImages;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.util.SerializableConfiguration;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;

/**
 * Executor side: reads an IDX image/label pair from any Hadoop file system and keeps shard {@code p} of
 * {@code shards} (every example whose index is p modulo shards, among the first {@code limit}), so that the image
 * bytes never pass through the driver. Deterministic: the same files and shard count give the same shards.
 */
public final class LoadIdxShard implements Function<Integer, ImageShard> {
    private final String imagesUri;
    private final String labelsUri;
    private final int shards;
    private final int limit;
    private final SerializableConfiguration hadoopConf;

    /**
     * @param limit      use only the first {@code limit} examples of the files (0 = all)
     * @param hadoopConf the driver's Hadoop configuration (credentials and file system settings)
     */
    public LoadIdxShard(String imagesUri, String labelsUri, int shards, int limit,
                        SerializableConfiguration hadoopConf) {
        this.imagesUri = imagesUri;
        this.labelsUri = labelsUri;
        this.shards = shards;
        this.limit = limit;
        this.hadoopConf = hadoopConf;
    }

    @Override
    public ImageShard call(Integer shard) throws IOException {
        LabeledImages all;
        try (InputStream images = open(imagesUri, hadoopConf); InputStream labels = open(labelsUri, hadoopConf)) {
            all = IdxReader.read(images, imagesUri, labels, labelsUri);
        }
        String fingerprint = IdxReader.fingerprint(all);
        int n = limit > 0 ? Math.min(limit, all.count()) : all.count();
        int count = n / shards + (shard < n % shards ? 1 : 0);
        int[] indices = new int[count];
        for (int i = 0; i < count; i++) {
            indices[i] = shard + i * shards;
        }
        LabeledImages mine = all.subset(indices);
        String identity = limit > 0 ? fingerprint + "/first" + n : fingerprint;
        return new ImageShard(shard, mine.pixels(), mine.labels(), mine.count(), mine.channels(), mine.height(),
                mine.width(), identity);
    }

    private static InputStream open(String uri, SerializableConfiguration hadoopConf) throws IOException {
        Path path = new Path(URI.create(uri));
        return path.getFileSystem(hadoopConf.value()).open(path);
    }
}
