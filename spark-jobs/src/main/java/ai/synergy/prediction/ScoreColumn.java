package ai.synergy.prediction;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.Iterator;

/**
 * Executor side, the Spark ML transformer: scores the image bytes in one column of a partition's rows, a minibatch at
 * a time, and returns every row once, in order, with three columns appended: the top classes
 * ({@link PredictionRows#TOP_TYPE}), the most probable class, and the error (null when the image was scored; the
 * reason and detail when not, the top classes and prediction null then). A null value is an EMPTY image.
 */
public final class ScoreColumn implements MapPartitionsFunction<Row, Row> {
    private final Broadcast<ScoringNetwork> model;
    private final Scoring scoring;
    private final int column;

    /** @param column the index of the binary image column in the input rows */
    public ScoreColumn(Broadcast<ScoringNetwork> model, Scoring scoring, int column) {
        this.model = model;
        this.scoring = scoring;
        this.column = column;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return ScoringTask.rows(rows, model, scoring, null, row -> row.isNullAt(column)
                        ? new ImageScorer.Input(null, "EMPTY", "no bytes (null)")
                        : ImageScorer.Input.of((byte[]) row.get(column)),
                ScoreColumn::withOutcome);
    }

    /** The row with the top classes, the prediction and the error appended. */
    private static Row withOutcome(Row row, ImageScorer.Outcome outcome) {
        Object[] values = new Object[row.size() + 3];
        for (int c = 0; c < row.size(); c++) {
            values[c] = row.get(c);
        }
        if (outcome.scored()) {
            values[row.size()] = PredictionRows.top(outcome.top());
            values[row.size() + 1] = outcome.top().get(0).index();
        } else {
            values[row.size() + 2] = outcome.error();
        }
        return RowFactory.create(values);
    }
}
