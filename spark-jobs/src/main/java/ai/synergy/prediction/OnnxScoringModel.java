package ai.synergy.prediction;

import ai.synergy.config.Credentials;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import ai.synergy.export.OnnxExport;
import ai.synergy.io.HadoopFiles;
import ai.synergy.jobs.ExportJob;
import ai.synergy.jobs.SavedModel;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Driver side: an ONNX file to score with in ONNX Runtime, as {@code synergy export} writes it (input float32
 * [batch, C, H, W] pixels in [0, 1], output [batch, classes] probabilities). Its input size is the file's fixed H and
 * W, its class names and evaluation crop come from its metadata ({@value OnnxExport#CLASS_NAMES},
 * {@value ExportJob#EVAL_CROP}). The file is read whole on the driver and broadcast; ONNX Runtime must be on the classpath of
 * the driver and of the executors (it is not in the application jar), which is checked first.
 */
final class OnnxScoringModel extends ScoringModel {
    private final byte[] bytes;
    private final int channels;
    private final int size;
    private final int classes;
    private final Map<String, String> metadata;

    private OnnxScoringModel(String uri, byte[] bytes, int channels, int size, int classes,
                             Map<String, String> metadata) {
        super(uri);
        this.bytes = bytes;
        this.channels = channels;
        this.size = size;
        this.classes = classes;
        this.metadata = Map.copyOf(metadata);
    }

    /** Reads and opens the file once, for its input, outputs and metadata; refuses what scoring cannot use. */
    static OnnxScoringModel read(String uri, Configuration hadoopConf) throws IOException {
        String name = Credentials.redact(uri);
        try {
            ScoringNetwork.requireOnnxRuntime(name);
        } catch (IllegalStateException e) {
            throw new InvalidInputException("--model: " + e.getMessage());
        }
        HadoopFiles files = HadoopFiles.of(uri, hadoopConf);
        Path path = HadoopFiles.path(uri);
        files.requireNonEmptyFile(path, "--model", "");
        byte[] bytes = files.readBytes(path);
        try (OnnxClassifier network = OnnxClassifier.open(name, bytes, 1)) {
            long[] input = network.inputShape();
            long[] output = network.outputShape();
            if (input[2] != input[3]) {
                throw new InvalidInputException("--model " + name + " takes " + input[2] + "x" + input[3]
                        + " images; scoring crops square images (export the model with a square --image-size)");
            }
            if (output[1] < 2) {
                throw new InvalidInputException("--model " + name + ": its output has " + output[1] + " classes "
                        + "(a fixed [batch, classes] probability output of at least 2 classes is needed)");
            }
            return new OnnxScoringModel(uri, bytes, (int) Math.max(0, input[1]), (int) Math.max(0, input[2]),
                    (int) output[1], network.metadata());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("--model " + e.getMessage(), e);
        }
    }

    @Override
    public String source() {
        return "ONNX file " + Credentials.redact(uri) + " (" + bytes.length + " bytes, ONNX Runtime"
                + (metadata.containsKey("source_model") ? ", exported from " + metadata.get("source_model") : "")
                + ")";
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public int trainedImageSize() {
        return size;
    }

    @Override
    public double trainedEvalCrop() {
        String crop = metadata.get(ExportJob.EVAL_CROP);
        if (crop == null) {
            return 0;
        }
        try {
            double value = Double.parseDouble(crop);
            return value > 0 && value <= 1 ? value : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    int inputChannels() {
        return channels;
    }

    @Override
    String modelInput() {
        return channels + "x" + size + "x" + size + " images (its ONNX input"
                + (metadata.containsKey("data") ? "; data " + metadata.get("data") : "") + ")";
    }

    @Override
    SavedModel.ClassNames ownClassNames(Configuration hadoopConf) {
        String json = metadata.get(OnnxExport.CLASS_NAMES);
        if (json == null) {
            return null;
        }
        JsonNode array = Json.readTree(json, Credentials.redact(uri) + " metadata " + OnnxExport.CLASS_NAMES);
        if (!array.isArray()) {
            return null;
        }
        List<String> names = new ArrayList<>(array.size());
        array.forEach(node -> names.add(node.asText()));
        return new SavedModel.ClassNames(names, "the metadata of " + Credentials.redact(uri));
    }

    @Override
    Classifier openHere() {
        return OnnxClassifier.open(Credentials.redact(uri), bytes, 1);
    }

    @Override
    public SavedFile savedFile() {
        return new SavedFile("model.onnx", bytes);
    }

    @Override
    public ScoringNetwork network() {
        return new ScoringNetwork.Onnx(Credentials.redact(uri), bytes, classes);
    }
}
