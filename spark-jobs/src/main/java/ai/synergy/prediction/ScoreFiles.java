package ai.synergy.prediction;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.SerializableConfiguration;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;

/**
 * Executor side, {@code predict} on {@code images:} data: reads the partition's image files from the shared file
 * system (the driver listed only their paths), scores them a minibatch at a time, and returns one
 * {@link PredictionRows#scored()} row per file: its classes, or the reason it was not scored (a file that cannot be
 * read is UNREADABLE; the task goes on).
 */
public final class ScoreFiles implements FlatMapFunction<Iterator<String>, Row> {
    private final Broadcast<ScoringNetwork> model;
    private final Scoring scoring;
    private final SerializableConfiguration hadoopConf;
    private final ScoringCounts counts;

    /**
     * @param hadoopConf the driver's Hadoop configuration, to open the files with
     * @param counts     where the tasks count their images
     */
    public ScoreFiles(Broadcast<ScoringNetwork> model, Scoring scoring, SerializableConfiguration hadoopConf,
                      ScoringCounts counts) {
        this.model = model;
        this.scoring = scoring;
        this.hadoopConf = hadoopConf;
        this.counts = counts;
    }

    @Override
    public Iterator<Row> call(Iterator<String> paths) {
        return ScoringTask.rows(paths, model, scoring, counts, this::read,
                (path, outcome) -> PredictionRows.scored(path, null, scoring.classNames(), outcome));
    }

    private ImageScorer.Input read(String uri) {
        Path path = new Path(uri);
        try (FSDataInputStream in = path.getFileSystem(hadoopConf.value()).open(path)) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            in.transferTo(bytes);
            return ImageScorer.Input.of(bytes.toByteArray());
        } catch (IOException | RuntimeException e) {
            return ImageScorer.Input.unreadable(String.valueOf(e.getMessage() != null ? e.getMessage() : e));
        }
    }
}
