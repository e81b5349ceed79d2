package ai.synergy.jobs;

import ai.synergy.checkpoint.CheckpointStore;
import ai.synergy.config.Credentials;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import ai.synergy.dataset.DataSpec;
import ai.synergy.dks.SynergyLoss;
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
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Driver side, no Spark: a model as a user names it with {@code --model}, read with the provenance found beside it.
 * Accepted: a {@code model.zip} (DL4J ModelSerializer), a checkpoint folder ({@code checkpoints/epoch-NNNN/} or
 * {@code round-NNNN/}: its {@code model.zip}), a run folder (its {@code model.zip}) or a {@code model-compact.zip}
 * (quantization's compact export, values bit for bit). The provenance is {@code model.json} beside the model file or
 * a checkpoint's {@code state.json}: its {@code config.data} names the data set the model was trained on. Read by
 * {@code export} and {@code predict}.
 *
 * @param graph          the network
 * @param file           the model file read
 * @param provenance     the provenance file found beside it, or null
 * @param provenanceData the data set the provenance names, or null
 */
public record SavedModel(ComputationGraph graph, Path file, Path provenance, DataSpec provenanceData) {

    /** Reads the model {@code uri} names, and its provenance when there is one. */
    public static SavedModel read(String uri, Configuration hadoopConf) throws IOException {
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
                return new SavedModel(graph, modelFile, p, provenanceData(files, p));
            }
        }
        return new SavedModel(graph, modelFile, null, null);
    }

    /** What was read, for the console: the model file and its provenance file's name. */
    public String source() {
        return Credentials.redact(file.toString()) + (provenance != null ? " with " + provenance.getName() : "");
    }

    /** The classes the network's classifier outputs (the main head's for a DKS training graph). */
    public int classes(String uri) {
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

    /**
     * The channels the network itself says it takes: those of the vertex after the input (its normalisation, or a
     * first convolution's nIn); 0 when it does not say.
     */
    public int graphInputChannels() {
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

    /**
     * Class names in label order and where they came from; empty names with the reason when there are none.
     *
     * @param names  the names, or empty
     * @param source where they came from, or why there are none
     */
    public record ClassNames(List<String> names, String source) {
        public ClassNames {
            names = List.copyOf(names);
        }
    }

    /**
     * The class names of {@code data}: Fashion-MNIST's ten, a shard folder's from its manifest; none for another IDX
     * data set or an unreadable manifest. {@code source} says where {@code data} came from, for the console.
     */
    public static ClassNames classNames(DataSpec data, String source, Configuration hadoopConf) {
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

    static FileStatus statusOrNull(HadoopFiles files, Path path) throws IOException {
        try {
            return files.fileSystem().getFileStatus(path);
        } catch (FileNotFoundException e) {
            return null;
        }
    }
}
