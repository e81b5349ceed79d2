package ai.synergy.cli;

import ai.synergy.export.OnnxExport;
import ai.synergy.jobs.ExportJob;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code synergy export}: a trained or quantized model to an ONNX file. No Spark needed. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a model as an ONNX file (opset " + OnnxExport.OPSET + "): input float32 [batch, C, H, W] "
                + "pixels in [0, 1] (normalisation inside), output softmax probabilities [batch, classes], class "
                + "names in the metadata. No Spark needed.")
final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true,
            description = "Model URI: a model.zip, a checkpoint folder (checkpoints/epoch-NNNN), a run folder, or a "
                    + "model-compact.zip.")
    String model;

    @Option(names = "--format", defaultValue = "onnx", description = "Output format: onnx (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--out", required = true,
            description = "File URI to write (file://, hdfs://, s3a://, or a local path); written under a temporary "
                    + "name, then renamed; an older file is replaced, a folder never.")
    String out;

    @Option(names = "--data",
            description = "The data set the model classifies, for its class names and input size: fashion-mnist, "
                    + "idx:<folder URI> or imagenet:<folder URI> (default: the run's, from model.json or state.json "
                    + "beside the model).")
    String data;

    @Option(names = "--image-size", defaultValue = "0",
            description = "Input height and width in pixels (default: the data set's; imagenet without provenance: "
                    + "224).")
    int imageSize;

    @Override
    public Integer call() throws Exception {
        ExportJob.Options options = new ExportJob.Options(model, format, out, data, imageSize);
        ExportJob.Result result = ExportJob.run(options, new Configuration());
        PrintWriter w = spec.commandLine().getOut();
        OnnxExport.Result t = result.translation();
        String operators = t.operators().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
        w.println(String.format(Locale.ROOT, "export: %s -> %s (%.1f MB, ONNX opset %d): %d nodes (%s), %d parameters",
                result.source(), result.out(), result.bytes() / 1e6, OnnxExport.OPSET,
                t.model().getGraph().getNodeCount(), operators, t.parameters()));
        OnnxExport.InputShape in = result.input();
        w.println(String.format(Locale.ROOT, "export: input '%s' float32 [batch, %d, %d, %d] pixels in [0, 1]; "
                        + "output '%s' float32 [batch, %d] softmax probabilities", OnnxExport.INPUT, in.channels(),
                in.height(), in.width(), OnnxExport.OUTPUT, t.classes()));
        if (result.namesFound()) {
            w.println("export: class names (" + result.classNames() + "): " + String.join(", ", t.classNames()));
        } else {
            w.println("export: no class names: " + result.classNames() + "; metadata " + OnnxExport.CLASS_NAMES
                    + " holds the indices 0.." + (t.classes() - 1) + " (give --data to name them)");
        }
        w.flush();
        return 0;
    }
}
