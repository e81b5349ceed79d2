package ai.synergy.ml;

import ai.synergy.config.InvalidInputException;
import ai.synergy.io.HadoopFiles;
import ai.synergy.jobs.PredictJob;
import ai.synergy.prediction.PredictionRows;
import ai.synergy.prediction.ScoreColumn;
import ai.synergy.prediction.Scoring;
import ai.synergy.prediction.ScoringModel;
import ai.synergy.prediction.ScoringNetwork;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * A trained synergy classifier as a Spark ML {@link Model}: {@code transform(df)} scores a DataFrame column of image
 * bytes (JPEG, PNG, GIF or BMP, decoded by content), e.g. {@code spark.read.format("binaryFile")}'s {@code content},
 * on the executors, with the same code as {@code synergy predict} (decoding, the evaluation crop, batching, top
 * classes), and appends three columns to every row:
 * <ul>
 *   <li>{@link #outputCol()} (default {@code top}): array of struct {@code class} (int), {@code name},
 *       {@code probability} (double), the {@link #topK()} most probable classes, most probable first;</li>
 *   <li>{@link #predictionCol()} (default {@code prediction}): the most probable class (int);</li>
 *   <li>{@link #errorCol()} (default {@code error}): null when the image was scored, else why not
 *       ({@code "TRUNCATED: ..."}; the other two columns are null then). A bad image never fails the job.</li>
 * </ul>
 * Made from a model URI with {@link #load}; usable from Scala, Java and Python's JVM gateway alike:
 * <pre>{@code
 * val model = SynergyClassifierModel.load(spark, "runs/r18/model.zip").setTopK(3)
 * val scored = model.transform(spark.read.format("binaryFile").load("hdfs:///photos"))
 * }</pre>
 * The network is broadcast once per model object, as a {@link ScoringNetwork}, at the first {@code transform}.
 * It is {@link MLWritable}: {@code model.write().save(path)}, or a {@code PipelineModel} holding it, saves its params
 * and its network under {@code path}; {@link #load(String)} and {@code PipelineModel.load} read it back.
 */
public final class SynergyClassifierModel extends Model<SynergyClassifierModel> implements MLWritable {
    private static final long serialVersionUID = 1L;
    /** The folder of a saved transformer that holds its network. */
    static final String MODEL_FOLDER = "model";

    private final String uid;
    private final transient ScoringModel model;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> predictionCol;
    private final Param<String> errorCol;
    private final IntParam topK;
    private final IntParam batchSize;
    private final IntParam imageSize;
    private final DoubleParam evalCrop;
    private final StringArrayParam classNames;
    private transient Broadcast<ScoringNetwork> broadcast;

    private SynergyClassifierModel(String uid, ScoringModel model) {
        this.uid = uid;
        this.model = model;
        inputCol = new Param<>(this, "inputCol", "column of image bytes (binary): JPEG, PNG, GIF or BMP");
        outputCol = new Param<>(this, "outputCol", "column of the top classes: array of struct class, name, "
                + "probability, most probable first");
        predictionCol = new Param<>(this, "predictionCol", "column of the most probable class (int)");
        errorCol = new Param<>(this, "errorCol", "column of why an image was not scored (null when it was)");
        topK = new IntParam(this, "topK", "classes listed per image (>= 1)", ParamValidators.gtEq(1));
        batchSize = new IntParam(this, "batchSize", "images per forward pass (>= 1)", ParamValidators.gtEq(1));
        imageSize = new IntParam(this, "imageSize", "input height and width (the model's by default)",
                ParamValidators.gtEq(8));
        evalCrop = new DoubleParam(this, "evalCrop", "fraction of the shorter side the center crop keeps, in (0, 1] "
                + "(the model's training data's by default)", ParamValidators.inRange(0, 1, false, true));
        classNames = new StringArrayParam(this, "classNames", "one name per class, in label order (from the "
                + "model's training data by default, else the indices)");
    }

    /**
     * The model at {@code modelUri} (a model.zip, a run or checkpoint folder, a model-compact.zip, or an ONNX file
     * {@code synergy export} wrote, scored in ONNX Runtime; on any Hadoop file system), with its input size,
     * evaluation crop and class names from the run's provenance (model.json) or the ONNX file's input and metadata,
     * else 224, 0.875 and the class indices. A model that does not take RGB images is refused.
     */
    public static SynergyClassifierModel load(SparkSession spark, String modelUri) {
        ScoringModel model;
        List<String> names;
        try {
            model = ScoringModel.load(modelUri, spark.sparkContext().hadoopConfiguration());
            names = model.classNames(null, null, spark.sparkContext().hadoopConfiguration()).names();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int size = model.imageSize(0);
        model.requireInput(size, false, "the transformer", "imageSize");
        return withDefaults(Identifiable$.MODULE$.randomUID("synergyClassifier"), model, names);
    }

    /** A transformer of {@code model} with every param at its default (the model's size, crop and names). */
    private static SynergyClassifierModel withDefaults(String uid, ScoringModel model, List<String> names) {
        SynergyClassifierModel m = new SynergyClassifierModel(uid, model);
        m.setDefault(m.inputCol, "content");
        m.setDefault(m.outputCol, PredictionRows.TOP);
        m.setDefault(m.predictionCol, PredictionRows.PREDICTION);
        m.setDefault(m.errorCol, "error");
        m.setDefault(m.topK, PredictJob.Settings.DEFAULT_TOP_K);
        m.setDefault(m.batchSize, PredictJob.Settings.DEFAULT_BATCH_SIZE);
        m.setDefault(m.imageSize, model.imageSize(0));
        m.setDefault(m.evalCrop, model.evalCrop(0));
        m.setDefault(m.classNames, names.toArray(String[]::new));
        return m;
    }

    /**
     * A transformer saved with {@code write().save(path)} (alone or inside a {@code PipelineModel}, whose
     * {@code PipelineModel.load} comes here): its params and its network, on any Hadoop file system.
     */
    public static SynergyClassifierModel load(String path) {
        return read().load(path);
    }

    /** Spark ML's reader of saved transformers ({@code PipelineModel.load} finds it by this name). */
    public static MLReader<SynergyClassifierModel> read() {
        return new Reader();
    }

    /**
     * Saves the params (Spark ML's {@code metadata/}, as every Spark ML stage) and the network as one file under
     * {@code model/}: {@code model.zip} for a DL4J model (a compact or checkpoint model is written dense, without
     * its run's provenance, which the params replace) or the ONNX file's bytes as {@code model.onnx}.
     */
    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    /** Writes {@code metadata/} and {@code model/}. */
    private static final class Writer extends MLWriter {
        private final SynergyClassifierModel instance;

        Writer(SynergyClassifierModel instance) {
            this.instance = instance;
        }

        @Override
        public void saveImpl(String path) {
            SparkContext sc = sparkSession().sparkContext();
            DefaultParamsWriter$.MODULE$.saveMetadata(instance, path, sc, Option.empty(), Option.empty());
            try {
                ScoringModel.SavedFile file = instance.requireModel().savedFile();
                Path target = new Path(new Path(path, MODEL_FOLDER), file.name());
                HadoopFiles.of(path, sc.hadoopConfiguration()).writeAtomically(target, file.bytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Reads what {@link Writer} wrote, checking the network against the saved image size. */
    private static final class Reader extends MLReader<SynergyClassifierModel> {
        @Override
        public SynergyClassifierModel load(String path) {
            SparkContext sc = sparkSession().sparkContext();
            DefaultParamsReader.Metadata metadata = DefaultParamsReader$.MODULE$.loadMetadata(path, sc,
                    SynergyClassifierModel.class.getName());
            Configuration conf = sc.hadoopConfiguration();
            ScoringModel model;
            List<String> names;
            try {
                model = ScoringModel.load(savedModelFile(path, conf), conf);
                names = model.classNames(null, null, conf).names();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            SynergyClassifierModel m = withDefaults(metadata.uid(), model, names);
            metadata.getAndSetParams(m, Option.empty());
            m.requireModel().requireInput(m.getImageSize(), true, "the saved transformer " + path, "imageSize");
            return m;
        }

        /** The one network file under {@code path}/model/. */
        private static String savedModelFile(String path, Configuration conf) throws IOException {
            HadoopFiles files = HadoopFiles.of(path, conf);
            Path folder = new Path(path, MODEL_FOLDER);
            for (String name : List.of("model.zip", "model.onnx")) {
                if (files.fileSystem().exists(new Path(folder, name))) {
                    return new Path(folder, name).toString();
                }
            }
            throw new InvalidInputException(path + ": no " + MODEL_FOLDER + "/model.zip or " + MODEL_FOLDER
                    + "/model.onnx; is this a SynergyClassifierModel saved with write().save(path)?");
        }
    }

    @Override
    public String uid() {
        return uid;
    }

    /** The column of image bytes (default {@code content}, as {@code binaryFile} names it). */
    public Param<String> inputCol() {
        return inputCol;
    }

    /** The column of the top classes (default {@code top}). */
    public Param<String> outputCol() {
        return outputCol;
    }

    /** The column of the most probable class (default {@code prediction}). */
    public Param<String> predictionCol() {
        return predictionCol;
    }

    /** The column of the reason an image was not scored (default {@code error}). */
    public Param<String> errorCol() {
        return errorCol;
    }

    /** Classes listed per image (default 5). */
    public IntParam topK() {
        return topK;
    }

    /** Images per forward pass (default 64). */
    public IntParam batchSize() {
        return batchSize;
    }

    /** Input height and width (default: the model's). */
    public IntParam imageSize() {
        return imageSize;
    }

    /** Center crop fraction of the shorter side (default: the model's training data's). */
    public DoubleParam evalCrop() {
        return evalCrop;
    }

    /** Class names in label order (default: the model's training data's, else the indices). */
    public StringArrayParam classNames() {
        return classNames;
    }

    public SynergyClassifierModel setInputCol(String value) {
        return (SynergyClassifierModel) set(inputCol, value);
    }

    public SynergyClassifierModel setOutputCol(String value) {
        return (SynergyClassifierModel) set(outputCol, value);
    }

    public SynergyClassifierModel setPredictionCol(String value) {
        return (SynergyClassifierModel) set(predictionCol, value);
    }

    public SynergyClassifierModel setErrorCol(String value) {
        return (SynergyClassifierModel) set(errorCol, value);
    }

    public SynergyClassifierModel setTopK(int value) {
        return (SynergyClassifierModel) set(topK, value);
    }

    public SynergyClassifierModel setBatchSize(int value) {
        return (SynergyClassifierModel) set(batchSize, value);
    }

    public SynergyClassifierModel setImageSize(int value) {
        return (SynergyClassifierModel) set(imageSize, value);
    }

    public SynergyClassifierModel setEvalCrop(double value) {
        return (SynergyClassifierModel) set(evalCrop, value);
    }

    public SynergyClassifierModel setClassNames(String[] value) {
        return (SynergyClassifierModel) set(classNames, value);
    }

    public String getInputCol() {
        return $(inputCol);
    }

    public String getOutputCol() {
        return $(outputCol);
    }

    public String getPredictionCol() {
        return $(predictionCol);
    }

    public String getErrorCol() {
        return $(errorCol);
    }

    public int getTopK() {
        return (Integer) $(topK);
    }

    public int getBatchSize() {
        return (Integer) $(batchSize);
    }

    public int getImageSize() {
        return (Integer) $(imageSize);
    }

    public double getEvalCrop() {
        return (Double) $(evalCrop);
    }

    public String[] getClassNames() {
        return $(classNames);
    }

    /** The number of classes the network outputs. */
    public int numClasses() {
        return requireModel().classes();
    }

    @Override
    public StructType transformSchema(StructType schema) {
        List<String> names = Arrays.asList(schema.fieldNames());
        if (!names.contains(getInputCol())) {
            throw new InvalidInputException("inputCol: the DataFrame has no column '" + getInputCol() + "' (it has "
                    + String.join(", ", names) + ")");
        }
        if (!(schema.apply(getInputCol()).dataType() instanceof BinaryType)) {
            throw new InvalidInputException("inputCol: column '" + getInputCol() + "' is "
                    + schema.apply(getInputCol()).dataType().simpleString() + ", not binary (image bytes)");
        }
        for (String column : List.of(getOutputCol(), getPredictionCol(), getErrorCol())) {
            if (names.contains(column)) {
                throw new InvalidInputException("the DataFrame already has a column '" + column + "'; choose "
                        + "another output column name");
            }
        }
        return schema.add(new StructField(getOutputCol(), PredictionRows.TOP_TYPE, true, Metadata.empty()))
                .add(getPredictionCol(), DataTypes.IntegerType, true)
                .add(getErrorCol(), DataTypes.StringType, true);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        Scoring scoring = scoring();
        int column = dataset.schema().fieldIndex(getInputCol());
        return dataset.toDF().mapPartitions(new ScoreColumn(broadcast(dataset.sparkSession().sparkContext()),
                scoring, column), Encoders.row(out));
    }

    /** The scoring the params ask for, checked against the model. */
    private Scoring scoring() {
        ScoringModel m = requireModel();
        String[] names = getClassNames();
        if (names.length != m.classes()) {
            throw new InvalidInputException("classNames: " + names.length + " names but the model has "
                    + m.classes() + " outputs");
        }
        if (getImageSize() != m.imageSize(0)) {
            m.requireInput(getImageSize(), true, "the transformer", "imageSize");
        }
        return new Scoring(getImageSize(), getEvalCrop(), List.of(names), getTopK(), getBatchSize());
    }

    private synchronized Broadcast<ScoringNetwork> broadcast(SparkContext sc) {
        if (broadcast == null || sc.isStopped()) {
            broadcast = JavaSparkContext.fromSparkContext(sc).broadcast(requireModel().network());
        }
        return broadcast;
    }

    private ScoringModel requireModel() {
        if (model == null) {
            throw new IllegalStateException("this SynergyClassifierModel was deserialized without its network; "
                    + "make it with SynergyClassifierModel.load where it is used");
        }
        return model;
    }

    @Override
    public SynergyClassifierModel copy(ParamMap extra) {
        SynergyClassifierModel copy = new SynergyClassifierModel(uid, model);
        copy.broadcast = broadcast;
        return copyValues(copy, extra).setParent(parent());
    }
}
