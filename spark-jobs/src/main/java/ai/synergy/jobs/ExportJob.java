package ai.synergy.jobs;

import ai.synergy.checkpoint.CheckpointStore;
import ai.synergy.config.Credentials;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Require;
import ai.synergy.dataset.DataSource;
import ai.synergy.config.Json;
import ai.synergy.dataset.Augmentation;
import ai.synergy.dataset.DataSpec;
import ai.synergy.dks.SynergyLoss;
import ai.synergy.export.OnnxExport;
import ai.synergy.io.HadoopFiles;
import ai.synergy.model.ChannelNormVertex;
import ai.synergy.prepare.IlsvrcLayout;
import ai.synergy.prepare.ShardManifest;
import ai.synergy.quantization.CompactModel;
import ai.synergy.run.RunFolder;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Driver side, no Spark: {@code export}, a trained or quantized model to another format (ONNX for now,
 * {@link OnnxExport}). The model comes from a {@code model.zip} (DL4J ModelSerializer), a checkpoint folder
 * ({@code checkpoints/epoch-NNNN/} or {@code round-NNNN/}: its {@code model.zip}; a DKS training graph exports its main
 * head), a run folder (its {@code model.zip}) or a {@code model-compact.zip} (quantization's compact export, values
 * bit for bit). The input size and the class names come from {@code --data} and {@code --image-size} when given,
 * else from the run's provenance beside the model ({@code model.json}, or a checkpoint's {@code state.json}): its data
 * set. The file is translated whole before anything is written, then written under a temporary name and renamed, on
 * any Hadoop file system; a folder at {@code --out} is refused before the model is read.
 */
public final class ExportJob {
    /** The formats {@code --format} accepts. */
    public static final List<String> FORMATS = List.of("onnx");

    private ExportJob() {
    }

    /**
     * What to export and where.
     *
     * @param model     URI of a model zip, checkpoint folder, run folder or compact model
     * @param format    {@code onnx}
     * @param out       URI of the file to write
     * @param data      the data set the model classifies ({@code fashion-mnist}, {@code idx:<folder>},
     *                  {@code imagenet:<folder>}), for its class names and input size; null: the provenance's
     * @param imageSize the input's height and width; 0: the data set's
     */
    public record Options(String model, String format, String out, String data, int imageSize) {
        public Options {
            Require.that(model != null && !model.isBlank(), "model", "must name the model to export");
            Require.that(format != null && FORMATS.contains(format.toLowerCase(Locale.ROOT)), "format",
                    ": unknown format '" + format + "'; accepted: " + String.join(", ", FORMATS));
            format = format.toLowerCase(Locale.ROOT);
            Require.that(out != null && !out.isBlank(), "out", "must name the file to write, e.g. model.onnx");
            Require.that(imageSize == 0 || imageSize >= 8, "imageSize", "must be >= 8, got " + imageSize);
            if (data != null) {
                DataSource.of(data); // checks the name
            }
        }
    }

    /**
     * What was written.
     *
     * @param out         the file
     * @param bytes       its size
     * @param source      what was read: the model file and, when one was found, its provenance
     * @param input       the input the file takes (the batch is dynamic)
     * @param translation the translated model (classes, operators, parameters)
     * @param classNames  where the class names came from, or why there are none (then the metadata holds indices)
     * @param namesFound  true when real class names were written
     */
    public record Result(Path out, long bytes, String source, OnnxExport.InputShape input,
                         OnnxExport.Result translation, String classNames, boolean namesFound) {
    }

    /** Exports {@code options.model()} to {@code options.out()}. */
    public static Result run(Options options, Configuration hadoopConf) throws IOException {
        HadoopFiles outFiles = HadoopFiles.of(options.out(), hadoopConf);
        Path out = HadoopFiles.path(options.out());
        requireFileTarget(outFiles, out, options.out());

        Loaded loaded = load(options.model(), hadoopConf);
        DataSpec data = null;
        String dataSource = null;
        if (options.data() != null) {
            data = resolveData(options.data(), options.imageSize() > 0 ? options.imageSize()
                    : loaded.provenanceData() != null ? loaded.provenanceData().height() : 224, hadoopConf);
            dataSource = "--data " + options.data();
        } else if (loaded.provenanceData() != null) {
            data = loaded.provenanceData();
            dataSource = loaded.provenance().getName() + " (data " + data.name() + ")";
        }

        OnnxExport.InputShape input = inputShape(loaded, data, options);
        int classes = classCount(loaded.graph(), options.model());
        ClassNames names = data == null ? new ClassNames(List.of(), "no --data and no provenance (model.json or "
                + "state.json) beside the model names the data set") : classNames(data, dataSource, hadoopConf);
        if (!names.names().isEmpty() && names.names().size() != classes) {
            if (options.data() != null) {
                throw new InvalidInputException("--data " + options.data() + " has " + names.names().size()
                        + " classes but the model has " + classes + " outputs");
            }
            names = new ClassNames(List.of(), names.source() + " has " + names.names().size()
                    + " classes but the model has " + classes + " outputs");
        }

        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("source_model", Credentials.redact(options.model()));
        if (data != null) {
            metadata.put("data", Credentials.redact(data.name()));
        }
        metadata.put("input_pixels", "float32 [batch, " + input.channels() + ", " + input.height() + ", "
                + input.width() + "] (NCHW), values in [0, 1]; the per-channel normalisation is inside the graph");
        String doc = "synergy export of " + Credentials.redact(options.model()) + ": " + OnnxExport.INPUT
                + " float32 [batch, " + input.channels() + ", " + input.height() + ", " + input.width()
                + "] pixels in [0, 1] -> " + OnnxExport.OUTPUT + " float32 [batch, " + classes + "] softmax";
        OnnxExport.Result translation = OnnxExport.export(loaded.graph(),
                new OnnxExport.Options(input, names.names(), metadata, doc));
        byte[] bytes = translation.bytes();
        outFiles.writeAtomically(out, bytes);
        String source = Credentials.redact(loaded.modelFile().toString())
                + (loaded.provenance() != null ? " with " + loaded.provenance().getName() : "");
        return new Result(out, bytes.length, source, input, translation, names.source(), !names.names().isEmpty());
    }

    /** {@code --out} names a file: a folder there is refused before any work (it is never replaced). */
    private static void requireFileTarget(HadoopFiles files, Path target, String given) throws IOException {
        FileStatus status = statusOrNull(files, target);
        if (status != null && status.isDirectory()) {
            throw new InvalidInputException("--out: " + given + " is a folder; give the path of the file to write, "
                    + "e.g. " + new Path(target, "model.onnx") + " (nothing was changed)");
        }
    }

    /** A model, the file it came from, and the provenance found beside it (or null). */
    private record Loaded(ComputationGraph graph, Path modelFile, Path provenance, DataSpec provenanceData) {
    }

    private static Loaded load(String uri, Configuration hadoopConf) throws IOException {
        HadoopFiles files = HadoopFiles.of(uri, hadoopConf);
        Path path = HadoopFiles.path(uri);
        FileStatus status = statusOrNull(files, path);
        if (status == null) {
            throw new InvalidInputException("--model: " + uri + " does not exist");
        }
        Path modelFile = path;
        List<Path> provenance = new ArrayList<>();
        if (status.isDirectory()) {
            modelFile = new Path(path, RunFolder.MODEL);
            if (statusOrNull(files, modelFile) == null) {
                throw new InvalidInputException("--model: " + uri + " is a folder without " + RunFolder.MODEL
                        + "; give a model.zip, a checkpoint folder, a run folder or a model-compact.zip");
            }
            provenance.add(new Path(path, CheckpointStore.STATE));
            provenance.add(new Path(path, RunFolder.MODEL_PROVENANCE));
        } else {
            provenance.add(new Path(path.getParent(), RunFolder.MODEL_PROVENANCE));
            provenance.add(new Path(path.getParent(), CheckpointStore.STATE));
        }
        files.requireNonEmptyFile(modelFile, "--model", "");
        byte[] bytes = files.readBytes(modelFile);
        ComputationGraph graph = isCompactModel(bytes) ? CompactModel.read(new ByteArrayInputStream(bytes),
                modelFile.toString()) : restore(bytes, modelFile);
        for (Path p : provenance) {
            if (statusOrNull(files, p) != null) {
                return new Loaded(graph, modelFile, p, provenanceData(files, p));
            }
        }
        return new Loaded(graph, modelFile, null, null);
    }

    private static ComputationGraph restore(byte[] bytes, Path file) {
        try {
            return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes), false);
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException("--model: " + file + " is neither a DL4J ComputationGraph zip nor a "
                    + "compact model (" + e.getMessage() + ")", e);
        }
    }

    /** A zip holding the compact export's parameter list and data (rather than ModelSerializer's entries). */
    private static boolean isCompactModel(byte[] bytes) throws IOException {
        boolean parameters = false;
        boolean data = false;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                parameters |= e.getName().equals("parameters.json");
                data |= e.getName().equals("data.bin");
            }
        } catch (IOException e) {
            return false;   // not a zip: ModelSerializer says what it is not
        }
        return parameters && data;
    }

    /** The data set of a provenance record ({@code config.data} of a train or quantize state), or null. */
    private static DataSpec provenanceData(HadoopFiles files, Path file) throws IOException {
        JsonNode data = Json.readTree(files.readString(file), file.toString()).path("config").path("data");
        if (data.isMissingNode() || data.isNull()) {
            return null;
        }
        try {
            return Json.read(data, DataSpec.class, file.toString());
        } catch (InvalidInputException e) {
            return null;   // an older or foreign record: the data set is unknown
        }
    }

    private static DataSpec resolveData(String data, int imageSize, Configuration hadoopConf) {
        return DataSource.of(data).imageSize(imageSize).augmentation(Augmentation.NONE).evalCrop(1.0)
                .resolve(hadoopConf);
    }

    /**
     * The input: {@code --image-size} (square) over the data set's size; the channels from the data set, else from
     * the network's first vertex (its normalisation or convolution).
     */
    private static OnnxExport.InputShape inputShape(Loaded loaded, DataSpec data, Options options) {
        int channels = data != null ? data.channels() : inputChannels(loaded.graph());
        int height = options.imageSize() > 0 ? options.imageSize() : data != null ? data.height() : 0;
        int width = options.imageSize() > 0 ? options.imageSize() : data != null ? data.width() : 0;
        if (channels == 0 || height == 0) {
            throw new InvalidInputException("--model: " + options.model() + " has no provenance (model.json or "
                    + "state.json) beside it to say its input size; give --image-size (and --data for the class "
                    + "names)");
        }
        return new OnnxExport.InputShape(channels, height, width);
    }

    /** The channels the vertex after the input takes: the normalisation's, or a first convolution's nIn; else 0. */
    private static int inputChannels(ComputationGraph graph) {
        var conf = graph.getConfiguration();
        String input = conf.getNetworkInputs().get(0);
        for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
            if (!e.getValue().contains(input)) {
                continue;
            }
            GraphVertex v = conf.getVertices().get(e.getKey());
            if (v instanceof ChannelNormVertex norm) {
                return norm.getMean().length;
            }
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof ConvolutionLayer conv) {
                return (int) conv.getNIn();
            }
        }
        return 0;
    }

    /** The classes the network's classifier outputs (the main head's for a DKS training graph). */
    private static int classCount(ComputationGraph graph, String uri) {
        String output = graph.getConfiguration().getNetworkOutputs().get(0);
        GraphVertex vertex = graph.getConfiguration().getVertices().get(output);
        if (vertex instanceof LayerVertex lv) {
            var layer = lv.getLayerConf().getLayer();
            if (layer instanceof LossLayer loss && loss.getLossFn() instanceof SynergyLoss synergy) {
                return synergy.getClasses();   // checked first: a LossLayer is a FeedForwardLayer with nOut 0
            }
            if (layer instanceof FeedForwardLayer classifier && classifier.getNOut() > 0) {
                return (int) classifier.getNOut();
            }
        }
        throw new InvalidInputException("--model: " + uri + ": its output vertex '" + output
                + "' is not a classifier");
    }

    /** Class names in label order and where they came from; empty names with the reason when there are none. */
    private record ClassNames(List<String> names, String source) {
    }

    private static ClassNames classNames(DataSpec data, String source, Configuration hadoopConf) {
        if (data.format() == DataSpec.Format.IDX) {
            String dir = data.location().replaceAll("/+$", "");
            if (data.name().equals("fashion-mnist") || dir.substring(dir.lastIndexOf('/') + 1).equals("fashion-mnist")) {
                return new ClassNames(ConvertJob.FASHION_MNIST_CLASSES, "Fashion-MNIST's, from " + source);
            }
            return new ClassNames(List.of(), source + " is an IDX data set, which holds no class names");
        }
        try {
            ShardManifest manifest = ShardManifest.read(HadoopFiles.of(data.location(), hadoopConf),
                    data.location(), "data");
            List<String> names = new ArrayList<>();
            for (IlsvrcLayout.SynsetClass c : manifest.classes()) {
                names.add(c.name() == null || c.name().isBlank() ? c.wnid() : c.name());
            }
            return new ClassNames(names, "the manifest of " + Credentials.redact(data.location()) + ", from "
                    + source);
        } catch (IOException | InvalidInputException e) {
            return new ClassNames(List.of(), "the manifest of " + Credentials.redact(data.location()) + " ("
                    + source + ") cannot be read: " + e.getMessage());
        }
    }

    private static FileStatus statusOrNull(HadoopFiles files, Path path) throws IOException {
        try {
            return files.fileSystem().getFileStatus(path);
        } catch (java.io.FileNotFoundException e) {
            return null;
        }
    }
}
