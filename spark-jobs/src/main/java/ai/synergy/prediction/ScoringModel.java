package ai.synergy.prediction;

import ai.synergy.config.Credentials;
import ai.synergy.config.InvalidInputException;
import ai.synergy.dataset.DataSource;
import ai.synergy.dataset.DataSpec;
import ai.synergy.evaluation.ModelSnapshot;
import ai.synergy.io.HadoopFiles;
import ai.synergy.jobs.SavedModel;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Driver side: a DL4J model ready to score RGB images, for {@code predict} and the Spark ML transformer. It is read
 * as {@code export} reads it ({@link SavedModel}: a model.zip, a run or checkpoint folder, a model-compact.zip, with
 * the provenance beside it); its input size, evaluation crop and class names come from that provenance unless given;
 * a model whose channels or input size do not match what it is asked to score is refused, naming both. ONNX files
 * are refused with a hint: scoring runs DL4J models (the ONNX file is for serving outside Spark).
 */
public final class ScoringModel {
    /** The input size when neither the caller nor the model's provenance gives one (as {@code train}'s). */
    public static final int DEFAULT_IMAGE_SIZE = DataSource.DEFAULT_IMAGE_SIZE;
    /** The evaluation crop when neither the caller nor the model's provenance gives one (as {@code train}'s). */
    public static final double DEFAULT_EVAL_CROP = DataSource.DEFAULT_EVAL_CROP;
    /** Channels of the images scored: every image is decoded to RGB. */
    public static final int CHANNELS = 3;

    private final String uri;
    private final SavedModel saved;
    private final int classes;

    private ScoringModel(String uri, SavedModel saved) {
        this.uri = uri;
        this.saved = saved;
        this.classes = saved.classes(uri);
    }

    /** Reads the model {@code uri} names (refusing an ONNX file). */
    public static ScoringModel load(String uri, Configuration hadoopConf) throws IOException {
        if (uri.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            throw new InvalidInputException("--model: " + uri + " is an ONNX file; predict scores DL4J models (a "
                    + "model.zip, a run or checkpoint folder, a model-compact.zip): give the model the ONNX file was "
                    + "exported from, or serve the ONNX file with ONNX Runtime (docs/deploy.md)");
        }
        return new ScoringModel(uri, SavedModel.read(uri, hadoopConf));
    }

    /** The model as the user named it. */
    public String uri() {
        return uri;
    }

    /** What was read, for the console. */
    public String source() {
        return saved.source();
    }

    /** The network. */
    public ComputationGraph graph() {
        return saved.graph();
    }

    /** The classes it outputs. */
    public int classes() {
        return classes;
    }

    /** The input size the model was trained at (its provenance's), or 0 when unknown. */
    public int trainedImageSize() {
        return saved.provenanceData() != null ? saved.provenanceData().height() : 0;
    }

    /** The evaluation crop of the model's training data (its provenance's, for shards), or 0 when unknown. */
    public double trainedEvalCrop() {
        DataSpec data = saved.provenanceData();
        return data != null && data.format() == DataSpec.Format.SHARDS ? data.evalCropFraction() : 0;
    }

    /** The input size to score at: {@code imageSize} when given (> 0), else the model's, else the default. */
    public int imageSize(int imageSize) {
        return imageSize > 0 ? imageSize : trainedImageSize() > 0 ? trainedImageSize() : DEFAULT_IMAGE_SIZE;
    }

    /** The evaluation crop to score with: {@code evalCrop} when given (> 0), else the model's, else the default. */
    public double evalCrop(double evalCrop) {
        return evalCrop > 0 ? evalCrop : trainedEvalCrop() > 0 ? trainedEvalCrop() : DEFAULT_EVAL_CROP;
    }

    /**
     * Checks that the network takes {@value #CHANNELS} x {@code size} x {@code size} images: the channels and size of
     * its provenance, else a forward pass on a blank image (DL4J does not save a graph's input type). The message
     * names the model's input and what was asked: {@code data} (e.g. "--data images:/photos") and, when the size was
     * given rather than the model's, {@code sizeSetting} (e.g. "--image-size").
     */
    public void requireInput(int size, boolean sizeGiven, String data, String sizeSetting) {
        DataSpec trained = saved.provenanceData();
        int channels = trained != null ? trained.channels() : saved.graphInputChannels();
        String asked = CHANNELS + "x" + size + "x" + size;
        if (channels != 0 && channels != CHANNELS) {
            throw new InvalidInputException("--model " + uri + " takes " + modelInput(channels) + " but " + data
                    + " gives 3-channel RGB images (" + asked + "): every image is decoded to RGB, so a model trained "
                    + "on " + channels + "-channel data cannot score it");
        }
        if (sizeGiven && trained != null && trained.height() != size) {
            throw new InvalidInputException("--model " + uri + " takes " + modelInput(channels) + " but "
                    + sizeSetting + " is " + size + " (" + asked + "); leave " + sizeSetting + " out to score at "
                    + "the model's size");
        }
        try {
            graph().output(false, Nd4j.zeros(DataType.FLOAT, 1, CHANNELS, size, size));
        } catch (RuntimeException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new InvalidInputException("--model " + uri + " does not take " + data + "'s " + asked + " images "
                    + "(channels x height x width): " + message, e);
        }
    }

    /** The model's input: "3x32x32 images (model.json: data imagenet:/shards)", or its channels alone. */
    private String modelInput(int channels) {
        DataSpec trained = saved.provenanceData();
        if (trained == null) {
            return channels + "-channel images (its first layer)";
        }
        return trained.channels() + "x" + trained.height() + "x" + trained.width() + " images ("
                + saved.provenance().getName() + ": data " + Credentials.redact(trained.name()) + ")";
    }

    /**
     * The class names to report and where they came from: {@code classNamesUri} (one name a line) when given, else
     * {@code data}'s (a shard manifest's; null when the data has none), else the model's training data's, else the
     * class indices. Given names, or the data's, that do not count the model's classes are refused.
     */
    public SavedModel.ClassNames classNames(String classNamesUri, SavedModel.ClassNames data,
                                            Configuration hadoopConf) throws IOException {
        if (classNamesUri != null) {
            HadoopFiles files = HadoopFiles.of(classNamesUri, hadoopConf);
            files.requireNonEmptyFile(HadoopFiles.path(classNamesUri), "--class-names", "");
            List<String> names = files.readString(HadoopFiles.path(classNamesUri)).lines().map(String::strip)
                    .filter(line -> !line.isEmpty()).toList();
            return requireCount(new SavedModel.ClassNames(names, Credentials.redact(classNamesUri)), "--class-names");
        }
        if (data != null && !data.names().isEmpty()) {
            return requireCount(data, "--data");
        }
        if (saved.provenanceData() != null) {
            SavedModel.ClassNames trained = SavedModel.classNames(saved.provenanceData(),
                    saved.provenance().getName() + " (data " + Credentials.redact(saved.provenanceData().name())
                            + ")", hadoopConf);
            if (trained.names().size() == classes) {
                return trained;
            }
        }
        return new SavedModel.ClassNames(IntStream.range(0, classes).mapToObj(Integer::toString).toList(),
                "the class indices (no names given, in the data or in the model's provenance)");
    }

    private SavedModel.ClassNames requireCount(SavedModel.ClassNames names, String setting) {
        if (names.names().size() != classes) {
            throw new InvalidInputException(setting + ": " + names.source() + " names " + names.names().size()
                    + " classes but --model " + uri + " has " + classes + " outputs");
        }
        return names;
    }

    /** A copy of the network for broadcasting to executors. */
    public ModelSnapshot snapshot() {
        return ModelSnapshot.of(graph());
    }
}
