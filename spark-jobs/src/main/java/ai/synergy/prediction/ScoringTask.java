package ai.synergy.prediction;

import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Executor side: what every scoring task does with its partition, whatever its images are (files, shard entries,
 * DataFrame rows): read a minibatch of items, score them with {@link ImageScorer}, make one output row per item, and
 * go on lazily, so that a task holds one minibatch of images at once however large its partition is. An empty
 * partition restores no network.
 */
final class ScoringTask {
    private ScoringTask() {
    }

    /**
     * The output rows of a partition's {@code items}, in order.
     *
     * @param counts where to count the scored and unscored images (null: not counted)
     * @param read   an item's bytes, or why they could not be read
     * @param row    an item's output row, given what scoring it gave
     */
    static <T> Iterator<Row> rows(Iterator<T> items, Broadcast<ScoringNetwork> model, Scoring scoring,
                                  ScoringCounts counts, Function<T, ImageScorer.Input> read,
                                  BiFunction<T, ImageScorer.Outcome, Row> row) {
        if (!items.hasNext()) {
            return Collections.emptyIterator();
        }
        ImageScorer scorer = ImageScorer.forTask(model, scoring);
        return new Iterator<>() {
            private Iterator<Row> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && items.hasNext()) {
                    current = next(scorer);
                }
                return current.hasNext();
            }

            private Iterator<Row> next(ImageScorer scorer) {
                List<T> batch = new ArrayList<>(scoring.batchSize());
                List<ImageScorer.Input> inputs = new ArrayList<>(scoring.batchSize());
                while (batch.size() < scoring.batchSize() && items.hasNext()) {
                    T item = items.next();
                    batch.add(item);
                    inputs.add(read.apply(item));
                }
                List<ImageScorer.Outcome> outcomes = scorer.score(inputs);
                if (counts != null) {
                    counts.add(outcomes);
                }
                List<Row> rows = new ArrayList<>(batch.size());
                for (int i = 0; i < batch.size(); i++) {
                    rows.add(row.apply(batch.get(i), outcomes.get(i)));
                }
                return rows.iterator();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }
}
