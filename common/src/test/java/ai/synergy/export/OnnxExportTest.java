package ai.synergy.export;

import ai.synergy.config.InvalidInputException;
import ai.synergy.data.IdxReader;
import ai.synergy.data.LabeledImages;
import ai.synergy.data.image.Resampler;
import ai.synergy.data.image.RgbImage;
import ai.synergy.dks.LeanExport;
import ai.synergy.dks.Supervision;
import ai.synergy.dks.SupervisionConfig;
import ai.synergy.model.AuxiliaryHeads;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import ai.synergy.pruning.Projections;
import ai.synergy.pruning.PrunableLayers;
import ai.synergy.pruning.PruningScheme;
import ai.synergy.quantization.CompactModel;
import ai.synergy.quantization.InqCodebook;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import onnx.OnnxMl;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The ONNX export, proven by ONNX Runtime: every model kind synergy trains or quantizes gives ONNX Runtime's outputs
 * within 1e-4 relative error of DL4J's, with the same top-1, at two batch sizes; pruned zeros and quantized values
 * reach the file bit for bit; an unsupported layer is named. Debian's python3-onnx checker runs when installed.
 */
class OnnxExportTest {
    private static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");
    private static final List<Double> FASHION_MEAN = List.of(0.2860);
    private static final List<Double> FASHION_STD = List.of(0.3530);
    private static final double TOLERANCE = 1e-4;

    private static OrtEnvironment env;

    @BeforeAll
    static void startOnnxRuntime() {
        env = OrtEnvironment.getEnvironment();
    }

    // ---------------------------------------------------------------- CIFAR family on real Fashion-MNIST

    @Test
    void cifarResNetTrainedOnFashionMnistMatchesOnRealTestImages(@TempDir Path dir) throws Exception {
        requireFashionMnist();
        ModelSpec spec = fashionSpec("resnet8", 0.5);
        ComputationGraph graph = ResNets.create(spec, new OptimizerSpec(0.05, 0.9, 1e-4));
        LabeledImages train = IdxReader.read(FASHION.resolve("train-images-idx3-ubyte.gz"),
                FASHION.resolve("train-labels-idx1-ubyte.gz"));
        for (int step = 0; step < 8; step++) {   // a few real steps: weights and batch-norm statistics move
            graph.fit(new DataSet(pixels(train, step * 32, 32), oneHot(train, step * 32, 32, 10)));
        }
        INDArray mean = graph.getParam("s2_b1_1_bn_mean");
        assertThat(mean.amaxNumber().doubleValue()).as("batch norm statistics moved").isGreaterThan(1e-3);

        LabeledImages test = IdxReader.read(FASHION.resolve("t10k-images-idx3-ubyte.gz"),
                FASHION.resolve("t10k-labels-idx1-ubyte.gz"));
        INDArray x = pixels(test, 0, 16);
        List<String> names = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                "Sneaker", "Bag", "Ankle boot");
        OnnxExport.Result result = OnnxExport.export(graph, new OnnxExport.Options(
                new OnnxExport.InputShape(1, 28, 28), names, Map.of("data", "fashion-mnist"), "test"));
        byte[] bytes = result.bytes();

        double error = assertParity("resnet8 x0.5 (Fashion-MNIST, 16 + 3 real test images)", graph, bytes, x, 3);
        assertThat(error).isLessThan(TOLERANCE);
        assertThat(result.operators()).containsEntry("Conv", 9).containsEntry("BatchNormalization", 9)
                .containsEntry("Add", 3).containsEntry("Gemm", 1).containsEntry("Softmax", 1)
                .containsEntry("GlobalAveragePool", 1).containsEntry("Sub", 1).containsEntry("Mul", 1);
        assertThat(result.parameters()).isEqualTo(graph.numParams());
        try (OrtSession session = session(bytes)) {
            assertThat(session.getMetadata().getCustomMetadata())
                    .containsEntry(OnnxExport.CLASS_NAMES, ai.synergy.config.Json.writeLine(names))
                    .containsEntry("data", "fashion-mnist");
            assertThat(session.getInputInfo().get(OnnxExport.INPUT).getInfo().toString()).contains("shape=[-1, 1, 28, 28]");
            assertThat(session.getOutputInfo().get(OnnxExport.OUTPUT).getInfo().toString()).contains("shape=[-1, 10]");
        }
        onnxChecker(dir, bytes);
    }

    // ---------------------------------------------------------------- ImageNet family

    @Test
    void imagenetResNet18At224MatchesOnUpscaledRealImages(@TempDir Path dir) throws Exception {
        ModelSpec spec = new ModelSpec(ModelArchitecture.parse("resnet18"), 1, 3, 224, 224, 100,
                List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225), 11);
        ComputationGraph graph = ResNets.create(spec, new OptimizerSpec(0.1, 0.9, 1e-4));
        calibrateBatchNorm(graph, randomPixels(2, 3, 224, 224, 50), 5);
        INDArray x = Files.exists(FASHION) ? upscaledFashion(2, 224) : randomPixels(2, 3, 224, 224, 5);
        byte[] bytes = export(graph, 3, 224, 224);
        double error = assertParity("resnet18 at 224x224 (2 + 1 images)", graph, bytes, x, 1);
        assertThat(error).isLessThan(TOLERANCE);
        onnxChecker(dir, bytes);
    }

    /** The bottleneck blocks of ResNet-50/101/152, at a small input (parameters, not pixels, cost here). */
    @Test
    void imagenetBottleneckResNet50Matches() throws Exception {
        ModelSpec spec = new ModelSpec(ModelArchitecture.parse("resnet50"), 1, 3, 32, 32, 10,
                List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225), 12);
        ComputationGraph graph = ResNets.create(spec, new OptimizerSpec(0.1, 0.9, 1e-4));
        calibrateBatchNorm(graph, randomPixels(16, 3, 32, 32, 60), 6);   // 16 values a channel at 1x1
        OnnxExport.Result result = OnnxExport.export(graph, options(3, 32, 32));
        assertThat(result.operators()).containsEntry("Conv", 53).containsEntry("BatchNormalization", 53)
                .containsEntry("MaxPool", 1).containsEntry("Add", 16);
        double error = assertParity("resnet50 (bottleneck) at 32x32 (2 + 1 images)", graph, result.bytes(),
                randomPixels(2, 3, 32, 32, 6), 1);
        assertThat(error).isLessThan(TOLERANCE);
    }

    // ---------------------------------------------------------------- DKS

    @Test
    void dksLeanExportAndTheTrainingGraphsMainHeadMatch(@TempDir Path dir) throws Exception {
        ModelSpec spec = fashionSpec("resnet14", 0.75);
        OptimizerSpec optimizer = new OptimizerSpec(0.05, 0.9, 1e-4);
        ComputationGraph training = new SupervisionConfig(Supervision.DKS,
                AuxiliaryHeads.paperDefault(spec.architecture()), 1, 1).createTrainingGraph(spec, optimizer);
        calibrateBatchNorm(training, randomPixels(8, 1, 28, 28, 70), 7);
        ComputationGraph lean = LeanExport.export(training, spec, optimizer);
        INDArray x = randomPixels(4, 1, 28, 28, 7);

        byte[] leanBytes = export(lean, 1, 28, 28);
        assertThat(assertParity("DKS lean export, resnet14 x0.75 (4 + 1 images)", lean, leanBytes, x, 1))
                .isLessThan(TOLERANCE);

        // a DKS checkpoint holds the training graph: its export is the main head with softmax, no branch
        OnnxExport.Result fromTraining = OnnxExport.export(training, options(1, 28, 28));
        assertThat(fromTraining.parameters()).isEqualTo(lean.numParams());
        assertThat(fromTraining.model().getGraph().getNodeList()).noneMatch(n -> n.getName().startsWith("aux"));
        float[][] fromTrainingOut = run(fromTraining.bytes(), x);
        float[][] leanOut = run(leanBytes, x);
        assertThat(maxRelativeError(Nd4j.create(leanOut), fromTrainingOut)).isLessThan(1e-6);
        onnxChecker(dir, fromTraining.bytes());
    }

    // ---------------------------------------------------------------- pruning and quantization

    @Test
    void prunedModelKeepsItsZerosExactly(@TempDir Path dir) throws Exception {
        ComputationGraph graph = ResNets.create(fashionSpec("resnet8", 0.5), new OptimizerSpec(0.1, 0.9, 1e-4));
        for (Map.Entry<String, INDArray> w : PrunableLayers.weights(graph).entrySet()) {
            w.getValue().assign(Projections.project(w.getValue(), PruningScheme.IRREGULAR, 0.9));
        }
        calibrateBatchNorm(graph, randomPixels(8, 1, 28, 28, 80), 8);
        OnnxExport.Result result = OnnxExport.export(graph, options(1, 28, 28));
        Map<String, int[]> initializers = initializerBits(result.model());
        for (Map.Entry<String, INDArray> w : PrunableLayers.weights(graph).entrySet()) {
            int[] expected = bits(w.getValue());
            int[] actual = initializers.get(w.getKey() + "_W");
            assertThat(actual).as(w.getKey()).isEqualTo(expected);
            long zeros = java.util.Arrays.stream(actual).filter(b -> b == 0).count();
            assertThat(zeros).as(w.getKey() + " zeros").isEqualTo(Math.round(0.9 * expected.length));
        }
        assertThat(assertParity("pruned resnet8 x0.5, 90% irregular (4 + 1 images)", graph, result.bytes(),
                randomPixels(4, 1, 28, 28, 8), 1)).isLessThan(TOLERANCE);
        onnxChecker(dir, result.bytes());
    }

    @Test
    void quantizedCompactModelReachesTheFileBitForBit(@TempDir Path dir) throws Exception {
        ComputationGraph graph = ResNets.create(fashionSpec("resnet8", 0.5), new OptimizerSpec(0.1, 0.9, 1e-4));
        calibrateBatchNorm(graph, randomPixels(8, 1, 28, 28, 90), 9);
        Set<String> quantized = new java.util.TreeSet<>();
        for (Map.Entry<String, INDArray> w : PrunableLayers.weights(graph).entrySet()) {   // INQ, 5 bits
            w.getValue().assign(InqCodebook.of(w.getValue(), 5).quantize(w.getValue()));
            quantized.add(w.getKey() + "_W");
        }
        graph.getParam("stem_conv_W").putScalar(0, -0.0f);   // -0 is its own code in the compact export
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        CompactModel.write(graph, quantized, zip);
        ComputationGraph compact = CompactModel.read(new ByteArrayInputStream(zip.toByteArray()), "model-compact.zip");

        OnnxExport.Result result = OnnxExport.export(compact, options(1, 28, 28));
        Map<String, int[]> initializers = initializerBits(result.model());
        for (String name : quantized) {
            int[] actual = initializers.get(name);
            assertThat(actual).as(name).isEqualTo(bits(compact.getParam(name))).isEqualTo(bits(graph.getParam(name)));
            Set<Float> values = new HashSet<>();
            for (int b : actual) {
                values.add(Float.intBitsToFloat(b));
            }
            assertThat(values.size()).as(name + " distinct values").isLessThanOrEqualTo(18);   // 17 + (-0)
        }
        assertThat(initializers.get("stem_conv_W")[0]).isEqualTo(Float.floatToRawIntBits(-0.0f));
        assertThat(assertParity("INQ 5-bit resnet8 x0.5 from model-compact.zip (4 + 1 images)", compact,
                result.bytes(), randomPixels(4, 1, 28, 28, 9), 1)).isLessThan(TOLERANCE);
        onnxChecker(dir, result.bytes());
    }

    // ---------------------------------------------------------------- other layers, bad input

    @Test
    void truncateConvolutionMaxPoolAndFlattenedDenseLayersMatch() throws Exception {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .graphBuilder().addInputs("input")
                .setInputTypes(InputType.convolutional(13, 11, 2))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).stride(2, 1).padding(1, 1)
                        .convolutionMode(ConvolutionMode.Truncate).nOut(4).activation(Activation.RELU).build(), "input")
                .addLayer("pool", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 2).stride(2, 2)
                        .convolutionMode(ConvolutionMode.Same).build(), "conv")
                .addLayer("dense", new DenseLayer.Builder().nOut(6).activation(Activation.TANH).build(), "pool")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out").build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        INDArray x = randomPixels(3, 2, 13, 11, 3);
        byte[] bytes = export(graph, 2, 13, 11);
        assertThat(assertParity("conv (truncate, bias) + max pool (same) + flattened dense", graph, bytes, x, 1))
                .isLessThan(TOLERANCE);
    }

    @Test
    void anUnsupportedLayerIsNamedAndNothingIsTranslated() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .graphBuilder().addInputs("input")
                .setInputTypes(InputType.convolutional(8, 8, 1))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(2).build(), "input")
                .addLayer("lrn", new LocalResponseNormalization.Builder().build(), "conv")
                .addLayer("out", new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build(), "lrn")
                .setOutputs("out").build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        assertThatThrownBy(() -> OnnxExport.export(graph, options(1, 8, 8)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("vertex 'lrn' (LocalResponseNormalization) cannot be exported to ONNX");
    }

    @Test
    void aWrongInputSizeOrClassCountIsNamed() {
        ComputationGraph graph = ResNets.create(fashionSpec("resnet8", 0.5), new OptimizerSpec(0.1, 0.9, 0));
        assertThatThrownBy(() -> OnnxExport.export(graph, options(3, 28, 28)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("vertex 'norm' normalises 1 channels but gets images of 3x28x28");
        assertThatThrownBy(() -> OnnxExport.export(graph, new OnnxExport.Options(new OnnxExport.InputShape(1, 28, 28),
                List.of("a", "b"), Map.of(), "")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("2 class names for a network with 10");
    }

    // ---------------------------------------------------------------- helpers

    private static ModelSpec fashionSpec(String model, double width) {
        return new ModelSpec(ModelArchitecture.parse(model), width, 1, 28, 28, 10, FASHION_MEAN, FASHION_STD, 7);
    }

    private static OnnxExport.Options options(int c, int h, int w) {
        return new OnnxExport.Options(new OnnxExport.InputShape(c, h, w), List.of(), Map.of(), "");
    }

    private static byte[] export(ComputationGraph graph, int c, int h, int w) {
        return OnnxExport.export(graph, options(c, h, w)).bytes();
    }

    /**
     * Runs DL4J and ONNX Runtime on {@code x} and on its first {@code smallBatch} images (the batch dimension is
     * dynamic); checks identical top-1 and returns the largest relative error |onnx - dl4j| / |dl4j| over every
     * probability of both runs.
     */
    private static double assertParity(String what, ComputationGraph graph, byte[] model, INDArray x, int smallBatch)
            throws OrtException {
        INDArray expected = graph.outputSingle(false, x);
        INDArray expectedSmall = expected.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, smallBatch),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
        float[][] actual;
        float[][] actualSmall;
        try (OrtSession session = session(model)) {
            actual = run(session, x);
            actualSmall = run(session, x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, smallBatch)).dup());
        }
        assertThat(actual.length).isEqualTo(x.size(0));
        assertThat(actualSmall.length).isEqualTo(smallBatch);
        assertThat(topOne(actual)).as(what + ": top-1").isEqualTo(topOne(expected));
        assertThat(topOne(actualSmall)).as(what + ": top-1, small batch").isEqualTo(topOne(expectedSmall));
        assertThat(expected.maxNumber().doubleValue()).as(what + ": outputs are not saturated").isLessThan(0.999);
        double error = Math.max(maxRelativeError(expected, actual), maxRelativeError(expectedSmall, actualSmall));
        System.out.printf(java.util.Locale.ROOT, "ONNX parity, %s: max relative error %.2e (probabilities %.1e..%.3f)%n",
                what, error, expected.minNumber().doubleValue(), expected.maxNumber().doubleValue());
        return error;
    }

    private static double maxRelativeError(INDArray expected, float[][] actual) {
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            for (int j = 0; j < actual[i].length; j++) {
                double e = expected.getDouble(i, j);
                double diff = Math.abs(actual[i][j] - e);
                max = Math.max(max, diff == 0 ? 0 : diff / Math.max(Math.abs(e), Float.MIN_NORMAL));
            }
        }
        return max;
    }

    private static int[] topOne(float[][] p) {
        int[] top = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            for (int j = 1; j < p[i].length; j++) {
                if (p[i][j] > p[i][top[i]]) {
                    top[i] = j;
                }
            }
        }
        return top;
    }

    private static int[] topOne(INDArray p) {
        return topOne(p.toFloatMatrix());
    }

    private static OrtSession session(byte[] model) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            return env.createSession(model, options);
        }
    }

    private static float[][] run(byte[] model, INDArray x) throws OrtException {
        try (OrtSession session = session(model)) {
            return run(session, x);
        }
    }

    private static float[][] run(OrtSession session, INDArray x) throws OrtException {
        float[] values = x.dup('c').data().asFloat();
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(values), x.shape());
             OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, tensor))) {
            return (float[][]) result.get(0).getValue();
        }
    }

    /** The raw float bits of every float initializer, by name. */
    private static Map<String, int[]> initializerBits(OnnxMl.ModelProto model) {
        Map<String, int[]> out = new LinkedHashMap<>();
        for (OnnxMl.TensorProto t : model.getGraph().getInitializerList()) {
            assertThat(t.getDataType()).isEqualTo(OnnxMl.TensorProto.DataType.FLOAT_VALUE);
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            int[] bits = new int[raw.remaining() / 4];
            raw.asIntBuffer().get(bits);
            out.put(t.getName(), bits);
        }
        return out;
    }

    private static int[] bits(INDArray a) {
        float[] v = a.dup('c').data().asFloat();
        int[] bits = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            bits[i] = Float.floatToRawIntBits(v[i]);
        }
        return bits;
    }

    /**
     * Batch norm in inference form, far from identity but keeping activations near unit scale as in a trained network:
     * gamma in U(0.5, 1.5) and beta N(0, 0.1^2), then the running mean and variance of every batch-norm layer are the
     * batch statistics of its input in one training-mode forward pass on {@code calibration}, the mean shifted by
     * N(0, 0.1^2) standard deviations and the standard deviation scaled by U(0.8, 1.25) (stored as log10 where DL4J
     * does); so a wrong eps, variance or parameter order shows. The classifier's weights are then scaled so that its
     * logits have standard deviation 1.5 on the same batch in inference, so outputs are not saturated either.
     */
    private static void calibrateBatchNorm(ComputationGraph graph, INDArray calibration, long seed) {
        Random random = new Random(seed);
        List<org.deeplearning4j.nn.api.Layer> batchNorms = java.util.Arrays.stream(graph.getLayers())
                .filter(l -> l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization)
                .toList();
        for (org.deeplearning4j.nn.api.Layer layer : batchNorms) {
            Map<String, INDArray> p = layer.paramTable();
            long n = p.get("gamma").length();
            p.get("gamma").assign(Nd4j.rand(DataType.FLOAT, n).addi(0.5));
            p.get("beta").assign(Nd4j.randn(DataType.FLOAT, n).muli(0.1));
        }
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> activations = graph.feedForward(calibration, true);
        ComputationGraphConfiguration conf = graph.getConfiguration();
        for (org.deeplearning4j.nn.api.Layer layer : batchNorms) {
            String name = layer.conf().getLayer().getLayerName();
            INDArray in = activations.get(conf.getVertexInputs().get(name).get(0));
            INDArray batchMean = in.mean(0, 2, 3);
            INDArray batchVar = in.var(false, 0, 2, 3);
            int channels = (int) batchMean.length();
            float[] mean = new float[channels];
            float[] stored = new float[channels];
            Map<String, INDArray> p = layer.paramTable();
            boolean log = p.containsKey("log10stdev");
            for (int c = 0; c < channels; c++) {
                double s = Math.sqrt(batchVar.getDouble(c) + 1e-5);
                mean[c] = (float) (batchMean.getDouble(c) + 0.1 * s * random.nextGaussian());
                double std = s * Math.exp(Math.log(1.25) * (2 * random.nextDouble() - 1));
                stored[c] = (float) (log ? Math.log10(std) : std * std);
            }
            p.get("mean").assign(Nd4j.createFromArray(mean));
            p.get(log ? "log10stdev" : "var").assign(Nd4j.createFromArray(stored));
        }
        String classifier = ResNets.OUTPUT;
        INDArray features = graph.feedForward(calibration, false).get(conf.getVertexInputs().get(classifier).get(0));
        INDArray w = graph.getParam(classifier + "_W");
        w.muli(1.5 / features.mmul(w).stdNumber().doubleValue());
    }

    private static void requireFashionMnist() {
        Assumptions.assumeTrue(Files.exists(FASHION.resolve("t10k-images-idx3-ubyte.gz")),
                "dataset-fashion-mnist not installed");
    }

    private static INDArray pixels(LabeledImages images, int from, int count) {
        int size = images.imageSize();
        float[] v = new float[count * size];
        for (int i = 0; i < v.length; i++) {
            v[i] = Byte.toUnsignedInt(images.pixels()[from * size + i]) / 255f;
        }
        return Nd4j.create(v, new long[]{count, images.channels(), images.height(), images.width()}, 'c');
    }

    private static INDArray oneHot(LabeledImages images, int from, int count, int classes) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, count, classes);
        for (int i = 0; i < count; i++) {
            y.putScalar(i, images.label(from + i), 1f);
        }
        return y;
    }

    /** The first {@code count} Fashion-MNIST test images, grey replicated to RGB and resized to size x size. */
    private static INDArray upscaledFashion(int count, int size) {
        LabeledImages test = IdxReader.read(FASHION.resolve("t10k-images-idx3-ubyte.gz"),
                FASHION.resolve("t10k-labels-idx1-ubyte.gz"));
        float[] v = new float[count * 3 * size * size];
        for (int n = 0; n < count; n++) {
            byte[] rgb = new byte[28 * 28 * 3];
            for (int i = 0; i < 28 * 28; i++) {
                byte p = test.pixels()[n * 784 + i];
                rgb[3 * i] = p;
                rgb[3 * i + 1] = p;
                rgb[3 * i + 2] = p;
            }
            RgbImage big = Resampler.resize(new RgbImage(28, 28, rgb), size, size);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        v[((n * 3 + c) * size + y) * size + x] = big.get(x, y, c) / 255f;
                    }
                }
            }
        }
        return Nd4j.create(v, new long[]{count, 3, size, size}, 'c');
    }

    private static INDArray randomPixels(int n, int c, int h, int w, long seed) {
        Random random = new Random(seed);
        float[] v = new float[n * c * h * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextFloat();
        }
        return Nd4j.create(v, new long[]{n, c, h, w}, 'c');
    }

    /**
     * ONNX's own checker ({@code onnx.checker.check_model} with full shape inference) from Debian's python3-onnx, when
     * it is installed (.ci/run installs it); skipped otherwise.
     */
    private static void onnxChecker(Path dir, byte[] model) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        if (!Files.isExecutable(python) || !Files.isDirectory(Path.of("/usr/lib/python3/dist-packages/onnx"))) {
            System.out.println("ONNX checker: python3-onnx is not installed, not run");
            return;
        }
        Path file = Files.write(dir.resolve("model.onnx"), model);
        Process p = new ProcessBuilder(python.toString(), "-c",
                "import sys, onnx; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print('ok')",
                file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(out.strip()).as("onnx.checker output").isEqualTo("ok");
        assertThat(p.exitValue()).isZero();
    }
}
