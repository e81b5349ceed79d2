package ai.synergy.notebook;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the notebook test binds as Zeppelin's {@code z}: {@code z.show(df)} renders the table as Zeppelin's
 * {@code %table} text (tab-separated, at most 1000 rows) and remembers the columns, so the test can check that a
 * paragraph's chart settings name columns the table really has.
 */
public final class ZeppelinDisplay {
    private final StringBuilder output = new StringBuilder();
    private final List<List<String>> shownColumns = new ArrayList<>();

    /** Zeppelin's {@code z.show}: a DataFrame as a table. */
    public void show(Object table) {
        if (!(table instanceof Dataset<?> dataset)) {
            throw new IllegalArgumentException("z.show expects a DataFrame, got " + table);
        }
        Dataset<Row> frame = dataset.toDF();
        List<String> columns = Arrays.asList(frame.columns());
        shownColumns.add(columns);
        output.append("%table ").append(String.join("\t", columns)).append('\n');
        for (Row row : frame.limit(1000).collectAsList()) {
            List<String> cells = new ArrayList<>();
            for (int i = 0; i < row.length(); i++) {
                cells.add(String.valueOf(row.get(i)));
            }
            output.append(String.join("\t", cells)).append('\n');
        }
    }

    /** Columns of every table shown since the last {@link #reset}. */
    public List<List<String>> shownColumns() {
        return shownColumns;
    }

    /** The rendered tables since the last {@link #reset}. */
    public String output() {
        return output.toString();
    }

    /** Forgets what was shown (called before each paragraph). */
    public void reset() {
        output.setLength(0);
        shownColumns.clear();
    }
}
