package ai.synergy.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.synergy.checkpoint.CheckpointStore;
import ai.synergy.config.Json;
import ai.synergy.dataset.DataSpec;
import ai.synergy.dks.LeanExport;
import ai.synergy.dks.Supervision;
import ai.synergy.dks.SupervisionConfig;
import ai.synergy.export.OnnxExport;
import ai.synergy.io.HadoopFiles;
import ai.synergy.jobs.ConvertJob;
import ai.synergy.jobs.RunOutputs;
import ai.synergy.model.AuxiliaryHeads;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import ai.synergy.pruning.PrunableLayers;
import ai.synergy.quantization.CompactModel;
import ai.synergy.quantization.InqCodebook;
import ai.synergy.quantization.PortionSchedule;
import ai.synergy.training.AdversarialTraining;
import ai.synergy.training.CheckpointState;
import ai.synergy.training.PruningConfig;
import ai.synergy.training.QuantizationMethod;
import ai.synergy.training.QuantizeConfig;
import ai.synergy.training.QuantizeState;
import ai.synergy.training.TrainConfig;
import onnx.OnnxMl;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code synergy export}: from a run's model.zip, a (DKS) checkpoint folder and a model-compact.zip, with the class
 * names and input size from the run's provenance or from --data; ONNX Runtime runs what it wrote. Bad input exits 2
 * with one line and writes nothing.
 */
class ExportCommandTest {
    private static final List<Double> MEAN = List.of(0.2860);
    private static final List<Double> STD = List.of(0.3530);

    @TempDir
    Path dir;

    @Test
    void aRunsModelExportsWithTheClassNamesOfItsData() throws Exception {
        ModelSpec spec = spec(10, 1);
        ComputationGraph graph = ResNets.create(spec, new OptimizerSpec(0.05, 0.9, 0));
        Path run = dir.resolve("run");
        RunOutputs.writeModel(files(run), new org.apache.hadoop.fs.Path(run.toUri()), graph,
                Json.write(trainState(spec, SupervisionConfig.none())));

        Path out = dir.resolve("exports/resnet8.onnx");
        Cli cli = cli("export", "--model", run.resolve("model.zip").toString(), "--format", "onnx",
                "--out", out.toUri().toString());
        assertThat(cli.code).as(cli.err).isZero();
        assertThat(cli.out).contains("export: " + run.resolve("model.zip").toUri().getPath())
                .contains("with model.json").contains("input 'input' float32 [batch, 1, 28, 28] pixels in [0, 1]")
                .contains("output 'probabilities' float32 [batch, 10] softmax probabilities")
                .contains("class names (Fashion-MNIST's, from model.json (data fashion-mnist)): T-shirt/top, Trouser");
        try (Stream<Path> files = Files.list(out.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("resnet8.onnx");   // no temp left
        }
        byte[] bytes = Files.readAllBytes(out);
        try (OrtSession session = session(bytes)) {
            assertThat(session.getMetadata().getCustomMetadata())
                    .containsEntry(OnnxExport.CLASS_NAMES, Json.writeLine(ConvertJob.FASHION_MNIST_CLASSES))
                    .containsEntry("data", "fashion-mnist")
                    .containsEntry("source_model", out.getParent().getParent().resolve("run/model.zip").toString());
        }
        INDArray x = pixels(3, 1, 28, 28, 1);
        assertThat(maxRelativeError(graph.outputSingle(false, x), run(bytes, x))).isLessThan(1e-4);

        // the run folder itself names the same model
        Cli again = cli("export", "--model", run.toString(), "--out", dir.resolve("again.onnx").toString());
        assertThat(again.code).as(again.err).isZero();
        assertThat(run(Files.readAllBytes(dir.resolve("again.onnx")), x)).isDeepEqualTo(run(bytes, x));
    }

    @Test
    void aDksCheckpointFolderExportsItsMainHead() throws Exception {
        ModelSpec spec = spec(10, 2);
        OptimizerSpec optimizer = new OptimizerSpec(0.05, 0.9, 0);
        SupervisionConfig dks = new SupervisionConfig(Supervision.DKS, AuxiliaryHeads.paperDefault(spec.architecture()),
                1, 1);
        ComputationGraph training = dks.createTrainingGraph(spec, optimizer);
        Path checkpoint = dir.resolve("run/checkpoints/epoch-0001");
        Files.createDirectories(checkpoint);
        Files.write(checkpoint.resolve(CheckpointStore.MODEL), CheckpointStore.modelBytes(training));
        Files.writeString(checkpoint.resolve(CheckpointStore.STATE), Json.write(trainState(spec, dks)));

        Path out = dir.resolve("dks.onnx");
        Cli cli = cli("export", "--model", checkpoint.toString(), "--out", out.toString());
        assertThat(cli.code).as(cli.err).isZero();
        assertThat(cli.out).contains("with state.json").contains("class names (Fashion-MNIST's");
        INDArray x = pixels(2, 1, 28, 28, 2);
        INDArray lean = LeanExport.export(training, spec, optimizer).outputSingle(false, x);
        assertThat(maxRelativeError(lean, run(Files.readAllBytes(out), x))).isLessThan(1e-4);
    }

    @Test
    void aCompactModelExportsItsQuantizedValuesBitForBit() throws Exception {
        ModelSpec spec = spec(10, 3);
        ComputationGraph graph = ResNets.create(spec, new OptimizerSpec(0.05, 0.9, 0));
        java.util.Set<String> quantized = new java.util.TreeSet<>();
        for (Map.Entry<String, INDArray> w : PrunableLayers.weights(graph).entrySet()) {
            w.getValue().assign(InqCodebook.of(w.getValue(), 4).quantize(w.getValue()));
            quantized.add(w.getKey() + "_W");
        }
        Path run = dir.resolve("inq4");
        Files.createDirectories(run);
        ByteArrayOutputStream compact = new ByteArrayOutputStream();
        CompactModel.write(graph, quantized, compact);
        Files.write(run.resolve("model-compact.zip"), compact.toByteArray());
        QuantizeConfig config = new QuantizeConfig(DataSpec.fashionMnist(null, 0, 0), "runs/r8/model.zip",
                QuantizationMethod.parse("inq"), 4, PortionSchedule.defaultFor(4), false, 2, 1,
                LearningRateSchedule.constant(0.01), 2, 32, 3, 128, 5, List.of(),
                ai.synergy.training.AdversarialTraining.none());
        Files.writeString(run.resolve("model.json"), Json.write(new QuantizeState(6, config, "fingerprint", "test",
                "2026-01-01T00:00:00Z", List.of())));

        Path out = dir.resolve("inq4.onnx");
        Cli cli = cli("export", "--model", run.resolve("model-compact.zip").toString(), "--out", out.toString());
        assertThat(cli.code).as(cli.err).isZero();
        assertThat(cli.out).contains("class names (Fashion-MNIST's, from model.json");
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(out));
        int checked = 0;
        for (OnnxMl.TensorProto t : model.getGraph().getInitializerList()) {
            if (quantized.contains(t.getName())) {
                ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                float[] values = new float[raw.remaining() / 4];
                raw.asFloatBuffer().get(values);
                float[] expected = graph.getParam(t.getName()).dup('c').data().asFloat();
                for (int i = 0; i < values.length; i++) {
                    assertThat(Float.floatToRawIntBits(values[i])).as(t.getName() + "[" + i + "]")
                            .isEqualTo(Float.floatToRawIntBits(expected[i]));
                }
                checked++;
            }
        }
        assertThat(checked).isEqualTo(quantized.size());
    }

    @Test
    void withoutProvenanceDataAndImageSizeComeFromTheFlagsOrTheClassesAreIndices() throws Exception {
        ModelSpec rgb = new ModelSpec(ModelArchitecture.parse("resnet8"), 0.5, 3, 32, 32, 2, List.of(.5, .5, .5),
                List.of(.25, .25, .25), 4);
        Path bare = dir.resolve("bare/model.zip");
        Files.createDirectories(bare.getParent());
        ModelSerializer.writeModel(ResNets.create(rgb, new OptimizerSpec(0.1, 0.9, 0)), bare.toFile(), false);

        Cli noSize = cli("export", "--model", bare.toString(), "--out", dir.resolve("a.onnx").toString());
        assertThat(noSize.code).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(noSize.err).contains("has no provenance (model.json or state.json) beside it to say its input size; "
                + "give --image-size");
        assertThat(dir.resolve("a.onnx")).doesNotExist();

        Cli indices = cli("export", "--model", bare.toString(), "--image-size", "32", "--out",
                dir.resolve("b.onnx").toString());
        assertThat(indices.code).as(indices.err).isZero();
        assertThat(indices.out).contains("[batch, 3, 32, 32]").contains("export: no class names: no --data and no "
                + "provenance").contains("holds the indices 0..1");
        assertThat(metadata(dir.resolve("b.onnx"))).containsEntry(OnnxExport.CLASS_NAMES, "[\"0\",\"1\"]");

        String golden = "imagenet:" + Path.of("src/test/resources/golden/shards-v1").toAbsolutePath();
        Cli named = cli("export", "--model", bare.toString(), "--data", golden, "--image-size", "32", "--out",
                dir.resolve("c.onnx").toString());
        assertThat(named.code).as(named.err).isZero();
        assertThat(metadata(dir.resolve("c.onnx")))
                .containsEntry(OnnxExport.CLASS_NAMES, "[\"class zero, zero\",\"class one, one\"]");
    }

    @Test
    void badInputExitsTwoWithOneLineAndWritesNothing() throws Exception {
        Path models = dir.resolve("models");
        Files.createDirectories(models);
        ModelSerializer.writeModel(unsupportedNetwork(), models.resolve("lrn.zip").toFile(), false);
        ModelSerializer.writeModel(ResNets.create(spec(10, 5), new OptimizerSpec(0.1, 0.9, 0)),
                models.resolve("r8.zip").toFile(), false);
        Path folder = dir.resolve("a-folder");
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("keep.txt"), "mine");
        Path out = dir.resolve("out/never.onnx");
        String golden = "imagenet:" + Path.of("src/test/resources/golden/shards-v1").toAbsolutePath();

        List<String[]> cases = List.of(
                new String[]{"--model", models.resolve("lrn.zip").toString(), "--image-size", "8",
                        "vertex 'lrn' (LocalResponseNormalization) cannot be exported to ONNX"},
                new String[]{"--model", models.resolve("r8.zip").toString(), "--image-size", "28", "--data", golden,
                        "has 2 classes but the model has 10 outputs"},
                new String[]{"--model", models.resolve("r8.zip").toString(), "--format", "tflite",
                        "--format: unknown format 'tflite'; accepted: onnx"},
                new String[]{"--model", dir.resolve("no/such/model.zip").toString(), "does not exist"},
                new String[]{"--model", folder.toString(), "is a folder without model.zip"},
                new String[]{"--model", folder.resolve("keep.txt").toString(), "--image-size", "28",
                        "is neither a DL4J ComputationGraph zip nor a compact model"},
                new String[]{"--model", models.resolve("r8.zip").toString(), "--data", "cifar10",
                        "--data: unknown data set 'cifar10'"});
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("export", "--out", out.toString()));
            args.addAll(List.of(c).subList(0, c.length - 1));
            Cli cli = cli(args.toArray(new String[0]));
            assertThat(cli.code).as(String.join(" ", args) + "\n" + cli.err).isEqualTo(SynergyCli.BAD_INPUT);
            assertThat(cli.err.lines().findFirst().orElse("")).startsWith("synergy: error: ").contains(c[c.length - 1]);
            assertThat(out.getParent()).doesNotExist();
        }

        Cli noModel = cli("export", "--out", out.toString());
        assertThat(noModel.code).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(noModel.err).contains("Missing required option: '--model");

        Cli toFolder = cli("export", "--model", models.resolve("r8.zip").toString(), "--image-size", "28", "--out",
                folder.toString());
        assertThat(toFolder.code).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(toFolder.err).startsWith("synergy: error: --out: " + folder + " is a folder; give the path of the "
                + "file to write");
        try (Stream<Path> files = Files.list(folder)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("keep.txt");
        }
        assertThat(Files.readString(folder.resolve("keep.txt"))).isEqualTo("mine");
    }

    // ---------------------------------------------------------------- helpers

    private record Cli(int code, String out, String err) {
    }

    private static Cli cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SynergyCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Cli(code, out.toString(), err.toString());
    }

    private static ModelSpec spec(int classes, long seed) {
        return new ModelSpec(ModelArchitecture.parse("resnet8"), 0.5, 1, 28, 28, classes, MEAN, STD, seed);
    }

    private static CheckpointState trainState(ModelSpec spec, SupervisionConfig supervision) {
        TrainConfig config = new TrainConfig(DataSpec.fashionMnist(null, 0, 0), spec, supervision,
                AdversarialTraining.none(), PruningConfig.none(), new OptimizerSpec(0.05, 0.9, 0),
                LearningRateSchedule.constant(0.05), 1, 2, 32, 3, 128, 5, 2, null);
        return new CheckpointState(1, config, "fingerprint", "test", "2026-01-01T00:00:00Z", List.of(), List.of());
    }

    private static HadoopFiles files(Path dir) {
        return HadoopFiles.of(dir.toString(), new Configuration());
    }

    private static ComputationGraph unsupportedNetwork() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .graphBuilder().addInputs("input")
                .setInputTypes(InputType.convolutional(8, 8, 1))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(2).build(), "input")
                .addLayer("lrn", new LocalResponseNormalization.Builder().build(), "conv")
                .addLayer("out", new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build(), "lrn")
                .setOutputs("out").build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    private static INDArray pixels(int n, int c, int h, int w, long seed) {
        Random random = new Random(seed);
        float[] v = new float[n * c * h * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextFloat();
        }
        return Nd4j.create(v, new long[]{n, c, h, w}, 'c');
    }

    private static OrtSession session(byte[] model) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            return OrtEnvironment.getEnvironment().createSession(model, options);
        }
    }

    private static Map<String, String> metadata(Path file) throws IOException, OrtException {
        try (OrtSession session = session(Files.readAllBytes(file))) {
            return session.getMetadata().getCustomMetadata();
        }
    }

    private static float[][] run(byte[] model, INDArray x) throws OrtException {
        try (OrtSession session = session(model);
             OnnxTensor tensor = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(),
                     FloatBuffer.wrap(x.dup('c').data().asFloat()), x.shape());
             OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, tensor))) {
            return (float[][]) result.get(0).getValue();
        }
    }

    private static double maxRelativeError(INDArray expected, float[][] actual) {
        assertThat(actual.length).isEqualTo(expected.size(0));
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            for (int j = 0; j < actual[i].length; j++) {
                double e = expected.getDouble(i, j);
                max = Math.max(max, Math.abs(actual[i][j] - e) / Math.max(Math.abs(e), Float.MIN_NORMAL));
            }
        }
        return max;
    }
}
