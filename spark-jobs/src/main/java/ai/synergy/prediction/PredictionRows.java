package ai.synergy.prediction;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

import java.util.ArrayList;
import java.util.List;

/**
 * Both sides: the columns {@code predict} writes and the transformer adds, and the rows that fill them. One row per
 * image in {@code predictions.parquet}:
 * <pre>
 * image       string     the file's URI (images:) or the image's key in its shard (imagenet:)
 * label       int        the true class where the data has one (imagenet: shards), else null
 * labelName   string     its name, else null
 * prediction  int        the most probable class (= top[0].class)
 * top         array&lt;struct&lt;class: int, name: string, probability: double&gt;&gt;
 *                        the k most probable classes, the most probable first
 * </pre>
 * and one row per image that was not scored in {@code errors.parquet}: {@code image}, {@code reason} (EMPTY,
 * NOT_AN_IMAGE, TRUNCATED, CORRUPT, UNREADABLE) and {@code detail}.
 */
public final class PredictionRows {
    /** The image's name: a file URI, or a key in a shard. */
    public static final String IMAGE = "image";
    /** The true class, where the data has labels. */
    public static final String LABEL = "label";
    /** The true class's name. */
    public static final String LABEL_NAME = "labelName";
    /** The most probable class. */
    public static final String PREDICTION = "prediction";
    /** The k most probable classes. */
    public static final String TOP = "top";
    /** Why an image was not scored. */
    public static final String REASON = "reason";
    /** What exactly was wrong with it. */
    public static final String DETAIL = "detail";

    /** One listed class: {@code class} (index), {@code name}, {@code probability}. */
    public static final StructType TOP_CLASS = new StructType(new StructField[]{
            DataTypes.createStructField("class", DataTypes.IntegerType, false),
            DataTypes.createStructField("name", DataTypes.StringType, false),
            DataTypes.createStructField("probability", DataTypes.DoubleType, false)});
    /** The k most probable classes, most probable first. */
    public static final ArrayType TOP_TYPE = DataTypes.createArrayType(TOP_CLASS, false);

    /** {@code predictions.parquet}. */
    public static final StructType PREDICTIONS = new StructType(new StructField[]{
            DataTypes.createStructField(IMAGE, DataTypes.StringType, false),
            DataTypes.createStructField(LABEL, DataTypes.IntegerType, true),
            DataTypes.createStructField(LABEL_NAME, DataTypes.StringType, true),
            DataTypes.createStructField(PREDICTION, DataTypes.IntegerType, false),
            DataTypes.createStructField(TOP, TOP_TYPE, false)});

    /** {@code errors.parquet}. */
    public static final StructType ERRORS = new StructType(new StructField[]{
            DataTypes.createStructField(IMAGE, DataTypes.StringType, false),
            DataTypes.createStructField(REASON, DataTypes.StringType, false),
            DataTypes.createStructField(DETAIL, DataTypes.StringType, true)});

    /** What the scoring tasks return: every image once, its prediction columns null or its error columns null. */
    static final StructType SCORED = new StructType(new StructField[]{
            DataTypes.createStructField(IMAGE, DataTypes.StringType, false),
            DataTypes.createStructField(LABEL, DataTypes.IntegerType, true),
            DataTypes.createStructField(LABEL_NAME, DataTypes.StringType, true),
            DataTypes.createStructField(PREDICTION, DataTypes.IntegerType, true),
            DataTypes.createStructField(TOP, TOP_TYPE, true),
            DataTypes.createStructField(REASON, DataTypes.StringType, true),
            DataTypes.createStructField(DETAIL, DataTypes.StringType, true)});

    private PredictionRows() {
    }

    /** The scoring tasks' row schema ({@link #PREDICTIONS} and {@link #ERRORS} are its two halves). */
    public static StructType scored() {
        return SCORED;
    }

    /** A row of {@link #SCORED}: one image, its label (or null) and what scoring gave. */
    static Row scored(String image, Integer label, List<String> classNames, ImageScorer.Outcome outcome) {
        String labelName = label == null ? null : classNames.get(label);
        if (!outcome.scored()) {
            return RowFactory.create(image, label, labelName, null, null, outcome.reason(), outcome.detail());
        }
        return RowFactory.create(image, label, labelName, outcome.top().get(0).index(), top(outcome.top()), null,
                null);
    }

    /** The value of a {@link #TOP_TYPE} column. */
    static Object top(List<ImageScorer.TopClass> top) {
        List<Row> rows = new ArrayList<>(top.size());
        for (ImageScorer.TopClass c : top) {
            rows.add(RowFactory.create(c.index(), c.name(), c.probability()));
        }
        return JavaConverters.asScalaBuffer(rows).toList();
    }
}
