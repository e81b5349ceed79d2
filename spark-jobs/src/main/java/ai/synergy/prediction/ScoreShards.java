package ai.synergy.prediction;

import ai.synergy.data.shard.ShardIndex;
import ai.synergy.dataset.JpegShards;
import ai.synergy.dataset.LoadJpegShards;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.util.TaskCompletionListener;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Executor side, {@code predict} on {@code imagenet:} data: one task per shard file of a split. The task reads the
 * shard's offset index (checked against the manifest as the {@code ShardCheck} asks, by {@link LoadJpegShards}), reads
 * its images with positioned reads a minibatch at a time, scores them, and returns one {@link PredictionRows#scored()}
 * row per image, keyed by the image's key and carrying its label. An image that cannot be read or decoded is listed
 * with its reason; the task goes on.
 */
public final class ScoreShards implements FlatMapFunction<Iterator<Integer>, Row> {
    private final LoadJpegShards shards;
    private final Broadcast<ScoringNetwork> model;
    private final Scoring scoring;
    private final SerializableConfiguration hadoopConf;
    private final ScoringCounts counts;

    /**
     * @param shards loads shard {@code i} when called with {@code i} (built with one worker per shard)
     * @param counts where the tasks count their images
     */
    public ScoreShards(LoadJpegShards shards, Broadcast<ScoringNetwork> model, Scoring scoring,
                       SerializableConfiguration hadoopConf, ScoringCounts counts) {
        this.shards = shards;
        this.model = model;
        this.scoring = scoring;
        this.hadoopConf = hadoopConf;
        this.counts = counts;
    }

    @Override
    public Iterator<Row> call(Iterator<Integer> shardIndexes) throws IOException {
        List<JpegShards.ShardFile> files = new ArrayList<>();
        while (shardIndexes.hasNext()) {
            files.addAll(shards.call(shardIndexes.next()).shards());
        }
        Iterator<Image> images = files.stream().flatMap(f -> f.index().entries().stream()
                .map(e -> new Image(f.uri(), e))).iterator();
        OpenShard open = new OpenShard();
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) context -> open.close());
        }
        return ScoringTask.rows(images, model, scoring, counts, open::read, (image, outcome) -> PredictionRows.scored(
                image.entry().key(), image.entry().label(), scoring.classNames(), outcome));
    }

    /** One image: its shard file and its entry in the shard's index. */
    private record Image(String shard, ShardIndex.Entry entry) {
    }

    /** The shard file being read (images come shard after shard). */
    private final class OpenShard {
        private String uri;
        private FSDataInputStream stream;

        ImageScorer.Input read(Image image) {
            ShardIndex.Entry e = image.entry();
            try {
                if (!image.shard().equals(uri)) {
                    close();
                    Path path = new Path(image.shard());
                    stream = path.getFileSystem(hadoopConf.value()).open(path);
                    uri = image.shard();
                }
                byte[] bytes = new byte[e.length()];
                stream.readFully(e.offset(), bytes);
                return ImageScorer.Input.of(bytes);
            } catch (IOException | RuntimeException ex) {
                return ImageScorer.Input.unreadable(image.shard() + ": " + e.length() + " bytes at " + e.offset()
                        + ": " + ex.getMessage());
            }
        }

        void close() {
            if (stream != null) {
                try {
                    stream.close();
                } catch (IOException ignored) {
                    // a read-only stream: nothing is lost
                }
                stream = null;
                uri = null;
            }
        }
    }
}
