package ai.synergy.jobs;

import ai.synergy.config.Credentials;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Require;
import ai.synergy.dataset.Augmentation;
import ai.synergy.dataset.DataSource;
import ai.synergy.dataset.DataSpec;
import ai.synergy.export.OnnxExport;
import ai.synergy.io.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Driver side, no Spark: {@code export}, a trained or quantized model to another format (ONNX for now,
 * {@link OnnxExport}). The model comes from a {@code model.zip} (DL4J ModelSerializer), a checkpoint folder
 * ({@code checkpoints/epoch-NNNN/} or {@code round-NNNN/}: its {@code model.zip}; a DKS training graph exports its main
 * head), a run folder (its {@code model.zip}) or a {@code model-compact.zip} (quantization's compact export, values
 * bit for bit), read by {@link SavedModel}. The input size and the class names come from {@code --data} and {@code --image-size} when given,
 * else from the run's provenance beside the model ({@code model.json}, or a checkpoint's {@code state.json}): its data
 * set. The file is translated whole before anything is written, then written under a temporary name and renamed, on
 * any Hadoop file system; a folder at {@code --out} is refused before the model is read.
 */
public final class ExportJob {
    /** The formats {@code --format} accepts. */
    public static final List<String> FORMATS = List.of("onnx");
    /**
     * Metadata key of the evaluation crop of a model trained on shards (the fraction of the shorter side the center
     * crop keeps), which {@code predict} scores an ONNX file with.
     */
    public static final String EVAL_CROP = "eval_crop";

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

        SavedModel loaded = SavedModel.read(options.model(), hadoopConf);
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
        int classes = loaded.classes(options.model());
        SavedModel.ClassNames names = data == null ? new SavedModel.ClassNames(List.of(), "no --data and no "
                + "provenance (model.json or state.json) beside the model names the data set")
                : SavedModel.classNames(data, dataSource, hadoopConf);
        if (!names.names().isEmpty() && names.names().size() != classes) {
            if (options.data() != null) {
                throw new InvalidInputException("--data " + options.data() + " has " + names.names().size()
                        + " classes but the model has " + classes + " outputs");
            }
            names = new SavedModel.ClassNames(List.of(), names.source() + " has " + names.names().size()
                    + " classes but the model has " + classes + " outputs");
        }

        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("source_model", Credentials.redact(options.model()));
        if (data != null) {
            metadata.put("data", Credentials.redact(data.name()));
            if (data.format() == DataSpec.Format.SHARDS) {
                metadata.put(EVAL_CROP, Double.toString(data.evalCropFraction()));
            }
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
        return new Result(out, bytes.length, loaded.source(), input, translation, names.source(),
                !names.names().isEmpty());
    }

    /** {@code --out} names a file: a folder there is refused before any work (it is never replaced). */
    private static void requireFileTarget(HadoopFiles files, Path target, String given) throws IOException {
        FileStatus status = SavedModel.statusOrNull(files, target);
        if (status != null && status.isDirectory()) {
            throw new InvalidInputException("--out: " + given + " is a folder; give the path of the file to write, "
                    + "e.g. " + new Path(target, "model.onnx") + " (nothing was changed)");
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
    private static OnnxExport.InputShape inputShape(SavedModel loaded, DataSpec data, Options options) {
        int channels = data != null ? data.channels() : loaded.graphInputChannels();
        int height = options.imageSize() > 0 ? options.imageSize() : data != null ? data.height() : 0;
        int width = options.imageSize() > 0 ? options.imageSize() : data != null ? data.width() : 0;
        if (channels == 0 || height == 0) {
            throw new InvalidInputException("--model: " + options.model() + " has no provenance (model.json or "
                    + "state.json) beside it to say its input size; give --image-size (and --data for the class "
                    + "names)");
        }
        return new OnnxExport.InputShape(channels, height, width);
    }
}
