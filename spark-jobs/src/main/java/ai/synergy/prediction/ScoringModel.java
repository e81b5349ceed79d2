package ai.synergy.prediction;

import ai.synergy.config.Credentials;
import ai.synergy.config.InvalidInputException;
import ai.synergy.dataset.DataSource;
import ai.synergy.io.HadoopFiles;
import ai.synergy.jobs.SavedModel;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Driver side: a model ready to score RGB images, for {@code predict} and the Spark ML transformer: a DL4J model read
 * as {@code export} reads it ({@link Dl4jScoringModel}: a model.zip, a run or checkpoint folder, a
 * model-compact.zip, with the provenance beside it) or an ONNX file {@code export} wrote ({@link OnnxScoringModel},
 * scored in ONNX Runtime). Its input size, evaluation crop and class names come from the model (provenance, or the
 * ONNX file's input and metadata) unless given; a model whose channels or input size do not match what it is asked
 * to score is refused, naming both, after a forward pass of a blank image.
 */
public abstract sealed class ScoringModel permits Dl4jScoringModel, OnnxScoringModel {
    /** The input size when neither the caller nor the model's provenance gives one (as {@code train}'s). */
    public static final int DEFAULT_IMAGE_SIZE = DataSource.DEFAULT_IMAGE_SIZE;
    /** The evaluation crop when neither the caller nor the model's provenance gives one (as {@code train}'s). */
    public static final double DEFAULT_EVAL_CROP = DataSource.DEFAULT_EVAL_CROP;
    /** Channels of the images scored: every image is decoded to RGB. */
    public static final int CHANNELS = 3;

    /** The model as the user named it. */
    protected final String uri;

    ScoringModel(String uri) {
        this.uri = uri;
    }

    /** Reads the model {@code uri} names: an ONNX file when its name ends in {@code .onnx}, else a DL4J model. */
    public static ScoringModel load(String uri, Configuration hadoopConf) throws IOException {
        if (uri.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            return OnnxScoringModel.read(uri, hadoopConf);
        }
        return new Dl4jScoringModel(uri, SavedModel.read(uri, hadoopConf));
    }

    /** The model as the user named it. */
    public String uri() {
        return uri;
    }

    /** What was read, for the console. */
    public abstract String source();

    /** The classes it outputs. */
    public abstract int classes();

    /** The input size the model was trained at (or its fixed input size), or 0 when unknown. */
    public abstract int trainedImageSize();

    /** The evaluation crop of the model's training data, or 0 when unknown. */
    public abstract double trainedEvalCrop();

    /** The channels of the model's input, or 0 when unknown. */
    abstract int inputChannels();

    /** The model's input for messages: "3x32x32 images (model.json: data imagenet:/shards)". */
    abstract String modelInput();

    /** The class names the model itself carries (its training data's, or the ONNX metadata's), or null. */
    abstract SavedModel.ClassNames ownClassNames(Configuration hadoopConf) throws IOException;

    /** A network for a forward pass on this JVM (the input check). */
    abstract Classifier openHere();

    /** The network to broadcast to the executors. */
    public abstract ScoringNetwork network();

    /**
     * The network as one file that {@link #load} reads back to the same scores, for saving a transformer:
     * {@code model.zip} (DL4J's ModelSerializer, no updater) or {@code model.onnx} (the file's bytes).
     */
    public abstract SavedFile savedFile() throws IOException;

    /**
     * A model as one file.
     *
     * @param name  {@code model.zip} or {@code model.onnx}
     * @param bytes its content
     */
    public record SavedFile(String name, byte[] bytes) {
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
     * Checks that the network takes {@value #CHANNELS} x {@code size} x {@code size} images: the channels and size the
     * model declares, then a forward pass on a blank image (DL4J does not save a graph's input type). The message
     * names the model's input and what was asked: {@code data} (e.g. "--data images:/photos") and, when the size was
     * given rather than the model's, {@code sizeSetting} (e.g. "--image-size").
     */
    public void requireInput(int size, boolean sizeGiven, String data, String sizeSetting) {
        int channels = inputChannels();
        String asked = CHANNELS + "x" + size + "x" + size;
        if (channels != 0 && channels != CHANNELS) {
            throw new InvalidInputException("--model " + uri + " takes " + modelInput() + " but " + data
                    + " gives 3-channel RGB images (" + asked + "): every image is decoded to RGB, so a model trained "
                    + "on " + channels + "-channel data cannot score it");
        }
        if (sizeGiven && trainedImageSize() > 0 && trainedImageSize() != size) {
            throw new InvalidInputException("--model " + uri + " takes " + modelInput() + " but "
                    + sizeSetting + " is " + size + " (" + asked + "); leave " + sizeSetting + " out to score at "
                    + "the model's size");
        }
        try (Classifier network = openHere()) {
            network.probabilities(new float[CHANNELS * size * size], 1, size);
        } catch (RuntimeException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new InvalidInputException("--model " + uri + " does not take " + data + "'s " + asked + " images "
                    + "(channels x height x width): " + message, e);
        }
    }

    /**
     * The class names to report and where they came from: {@code classNamesUri} (one name a line) when given, else
     * {@code data}'s (a shard manifest's; null when the data has none), else the model's own, else the class
     * indices. Given names, or the data's, that do not count the model's classes are refused.
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
        SavedModel.ClassNames own = ownClassNames(hadoopConf);
        if (own != null && own.names().size() == classes()) {
            return own;
        }
        return new SavedModel.ClassNames(IntStream.range(0, classes()).mapToObj(Integer::toString).toList(),
                "the class indices (no names given, in the data or in the model)");
    }

    private SavedModel.ClassNames requireCount(SavedModel.ClassNames names, String setting) {
        if (names.names().size() != classes()) {
            throw new InvalidInputException(setting + ": " + names.source() + " names " + names.names().size()
                    + " classes but --model " + uri + " has " + classes() + " outputs");
        }
        return names;
    }
}
