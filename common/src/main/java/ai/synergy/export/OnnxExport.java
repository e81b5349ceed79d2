package ai.synergy.export;

import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import ai.synergy.dks.SynergyLoss;
import ai.synergy.model.ChannelNormVertex;
import onnx.OnnxMl;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Translates a DL4J {@link ComputationGraph} (the project's ResNets, their DKS and pruned and quantized variants) into
 * an ONNX model (opset {@value #OPSET}) built with the ONNX protobuf classes ND4J ships ({@code onnx.OnnxMl}).
 *
 * <p>The ONNX graph takes {@value #INPUT}, float32 NCHW pixels in [0, 1] as in training, with a dynamic batch
 * dimension ({@value #BATCH}) and the fixed channels, height and width it was given; it returns {@value #OUTPUT}, the
 * softmax probabilities [batch, classes]. What is translated, vertex by vertex:
 * <ul>
 *   <li>{@link ChannelNormVertex}: {@code Sub} of the per-channel mean, {@code Mul} by 1/std, both float32 as DL4J
 *       computes them, so normalisation stays inside the graph;</li>
 *   <li>{@link ConvolutionLayer} (NCHW): {@code Conv} with weights [out, in, kh, kw] as stored, explicit pads computed
 *       from the input size (DL4J's {@code Same} mode puts the odd pixel at the end, as ONNX's SAME_UPPER;
 *       {@code Truncate}/{@code Strict} use the layer's symmetric padding);</li>
 *   <li>{@link BatchNormalization} (NCHW): {@code BatchNormalization} in inference form with the running mean and
 *       variance (variance = (10^log10stdev)^2 when the layer stores log10 standard deviations) and the layer's eps.
 *       It is not folded into the convolution before it, so convolution weights stay bit for bit what DL4J holds
 *       (pruned zeros, quantized values);</li>
 *   <li>{@link DenseLayer} and {@link OutputLayer}: {@code Gemm} with the weight [nIn, nOut] as stored (no
 *       transpose) and the bias;</li>
 *   <li>{@link GlobalPoolingLayer} AVG/MAX: {@code GlobalAveragePool}/{@code GlobalMaxPool}, then {@code Flatten};
 *       {@link SubsamplingLayer} MAX: {@code MaxPool} with explicit pads (AVG only without padding);</li>
 *   <li>{@link ActivationLayer} and layer activations: identity, ReLU, leaky ReLU, sigmoid, tanh, softmax (axis 1);
 *       DL4J's batch norm applies no activation;</li>
 *   <li>{@link ElementWiseVertex}: {@code Add}/{@code Sum}, {@code Sub}, {@code Mul}, {@code Mean}, {@code Max};
 *       {@link MergeVertex}: {@code Concat} on axis 1; a {@link CnnToFeedForwardPreProcessor}: {@code Flatten}.</li>
 * </ul>
 * A DKS training graph (its output the synergy loss over all heads' logits) exports its main head with a softmax,
 * the network {@link ai.synergy.dks.LeanExport} keeps; only vertices the output depends on are translated. Any other
 * layer, vertex, preprocessor or activation stops the export with an {@link InvalidInputException} naming the vertex,
 * before anything is written. Every parameter goes into an initializer as float32 in C order (bit for bit for a float
 * network); class names go into the model's {@code metadata_props} as {@value #CLASS_NAMES} (a JSON array).
 */
public final class OnnxExport {
    /** The ONNX operator set the export uses. */
    public static final int OPSET = 13;
    /** The ONNX IR version written (IR 8 carries opset 13 for every runtime since ONNX 1.10). */
    public static final long IR_VERSION = 8;
    /** Name of the graph's input: float32 [batch, channels, height, width], pixels in [0, 1]. */
    public static final String INPUT = "input";
    /** Name of the graph's output: float32 [batch, classes], softmax probabilities. */
    public static final String OUTPUT = "probabilities";
    /** The symbolic batch dimension of the input and the output. */
    public static final String BATCH = "batch";
    /** Metadata key of the class names (a JSON array of strings, in label order). */
    public static final String CLASS_NAMES = "class_names";

    private OnnxExport() {
    }

    /**
     * The input the ONNX graph takes (the batch stays dynamic).
     *
     * @param channels image channels (1 or 3 for the project's data)
     * @param height   image height in pixels
     * @param width    image width in pixels
     */
    public record InputShape(int channels, int height, int width) {
        public InputShape {
            if (channels < 1 || height < 1 || width < 1) {
                throw new IllegalArgumentException("input channels, height and width must be >= 1, got " + channels
                        + "x" + height + "x" + width);
            }
        }

        @Override
        public String toString() {
            return channels + "x" + height + "x" + width;
        }
    }

    /**
     * What the export needs besides the network.
     *
     * @param input      the input size
     * @param classNames one name per output class, in label order; empty: the class indices ("0", "1", ...)
     * @param metadata   further {@code metadata_props} entries, in order (e.g. the source file and the data set)
     * @param docString  the model's description
     */
    public record Options(InputShape input, List<String> classNames, Map<String, String> metadata, String docString) {
        public Options {
            if (input == null) {
                throw new IllegalArgumentException("input shape must be set");
            }
            classNames = classNames == null ? List.of() : List.copyOf(classNames);
            metadata = metadata == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
            docString = docString == null ? "" : docString;
        }
    }

    /**
     * A translated model.
     *
     * @param model      the ONNX model
     * @param classes    classes of the output
     * @param classNames the names written into the metadata (indices when none were given)
     * @param operators  how many nodes of each ONNX operator, by name
     * @param parameters float values in the initializers
     */
    public record Result(OnnxMl.ModelProto model, int classes, List<String> classNames, Map<String, Integer> operators,
                         long parameters) {
        /** The serialized model ({@code .onnx} file bytes). */
        public byte[] bytes() {
            return model.toByteArray();
        }
    }

    /** Translates {@code graph}; throws {@link InvalidInputException} naming the first vertex it cannot translate. */
    public static Result export(ComputationGraph graph, Options options) {
        return new Translator(graph, options).translate();
    }

    /** Accumulates nodes and initializers for one export. */
    private static final class Translator {
        private final ComputationGraph graph;
        private final ComputationGraphConfiguration conf;
        private final Options options;
        private final OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder();
        private final Map<String, String> values = new HashMap<>();
        private final Map<String, long[]> shapes = new HashMap<>();
        private final Set<String> used = new HashSet<>();
        private final Map<String, Integer> operators = new TreeMap<>();
        private long parameters;
        private String outputVertex;

        Translator(ComputationGraph graph, Options options) {
            this.graph = graph;
            this.conf = graph.getConfiguration();
            this.options = options;
        }

        Result translate() {
            if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
                throw new InvalidInputException("ONNX export takes networks with one input and one output, this one "
                        + "has inputs " + conf.getNetworkInputs() + " and outputs " + conf.getNetworkOutputs());
            }
            String input = conf.getNetworkInputs().get(0);
            outputVertex = conf.getNetworkOutputs().get(0);
            boolean appendSoftmax = false;
            String mainHead = mainHeadOfSynergyLoss(outputVertex);
            if (mainHead != null) {
                outputVertex = mainHead;
                appendSoftmax = true;
            }
            used.add(INPUT);
            used.add(OUTPUT);
            values.put(input, INPUT);
            InputShape in = options.input();
            shapes.put(input, new long[]{in.channels(), in.height(), in.width()});

            for (String vertex : order(outputVertex, input)) {
                String target = vertex.equals(outputVertex) && !appendSoftmax ? OUTPUT : fresh(vertex);
                translateVertex(vertex, target);
            }
            long[] out = shapes.get(outputVertex);
            if (appendSoftmax) {
                node("Softmax", List.of(values.get(outputVertex)), OUTPUT, intAttr("axis", 1));
            }
            if (out.length != 1) {
                throw new InvalidInputException("vertex '" + outputVertex + "' gives " + Arrays.toString(out)
                        + " per example; ONNX export takes classifiers whose output is one vector of class scores");
            }
            int classes = (int) out[0];
            List<String> names = options.classNames();
            if (names.isEmpty()) {
                names = new ArrayList<>();
                for (int i = 0; i < classes; i++) {
                    names.add(Integer.toString(i));
                }
            } else if (names.size() != classes) {
                throw new InvalidInputException(names.size() + " class names for a network with " + classes
                        + " outputs");
            }
            g.addInput(valueInfo(INPUT, in.channels(), in.height(), in.width()));
            g.addOutput(valueInfo(OUTPUT, classes));
            g.setName("synergy");
            OnnxMl.ModelProto.Builder model = OnnxMl.ModelProto.newBuilder()
                    .setIrVersion(IR_VERSION)
                    .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                    .setProducerName("synergy")
                    .setDocString(options.docString())
                    .setGraph(g);
            model.addMetadataProps(entry(CLASS_NAMES, Json.writeLine(names)));
            options.metadata().forEach((k, v) -> model.addMetadataProps(entry(k, v)));
            return new Result(model.build(), classes, List.copyOf(names), operators, parameters);
        }

        /**
         * The main head of a DKS training graph: when {@code output} is a loss layer with the synergy loss over a
         * merge of the heads' logits, the merge's first input (the main classifier); otherwise null.
         */
        private String mainHeadOfSynergyLoss(String output) {
            if (conf.getVertices().get(output) instanceof LayerVertex lv
                    && lv.getLayerConf().getLayer() instanceof LossLayer loss
                    && loss.getLossFn() instanceof SynergyLoss) {
                List<String> in = conf.getVertexInputs().get(output);
                if (in.size() == 1 && conf.getVertices().get(in.get(0)) instanceof MergeVertex) {
                    return conf.getVertexInputs().get(in.get(0)).get(0);
                }
                throw new InvalidInputException("vertex '" + output + "' (synergy loss) does not take a merge of the "
                        + "heads' logits; cannot find the main head to export");
            }
            return null;
        }

        /** The vertices {@code output} depends on, inputs before the vertices that use them, the input excluded. */
        private List<String> order(String output, String input) {
            List<String> order = new ArrayList<>();
            Set<String> done = new HashSet<>();
            Set<String> onPath = new HashSet<>();
            visit(output, input, order, done, onPath);
            return order;
        }

        private void visit(String vertex, String input, List<String> order, Set<String> done, Set<String> onPath) {
            if (vertex.equals(input) || done.contains(vertex)) {
                return;
            }
            if (!onPath.add(vertex)) {
                throw new InvalidInputException("vertex '" + vertex + "' is part of a cycle");
            }
            List<String> inputs = conf.getVertexInputs().get(vertex);
            if (inputs == null || inputs.isEmpty()) {
                throw new InvalidInputException("vertex '" + vertex + "' has no inputs");
            }
            for (String in : inputs) {
                visit(in, input, order, done, onPath);
            }
            onPath.remove(vertex);
            done.add(vertex);
            order.add(vertex);
        }

        private void translateVertex(String vertex, String target) {
            GraphVertex gv = conf.getVertices().get(vertex);
            List<String> inputs = conf.getVertexInputs().get(vertex);
            List<String> in = inputs.stream().map(values::get).toList();
            List<long[]> inShapes = inputs.stream().map(shapes::get).toList();
            long[] shape;
            if (gv instanceof ChannelNormVertex norm) {
                shape = normalization(vertex, norm, in.get(0), inShapes.get(0), target);
            } else if (gv instanceof ElementWiseVertex ew) {
                shape = elementWise(vertex, ew, in, inShapes, target);
            } else if (gv instanceof MergeVertex) {
                shape = merge(vertex, in, inShapes, target);
            } else if (gv instanceof LayerVertex lv) {
                String x = in.get(0);
                long[] xs = inShapes.get(0);
                InputPreProcessor pre = lv.getPreProcessor();
                if (pre != null) {
                    if (!(pre instanceof CnnToFeedForwardPreProcessor cnn) || cnn.getFormat() != CNN2DFormat.NCHW
                            || xs.length != 3) {
                        throw unsupported(vertex, "its input preprocessor " + pre.getClass().getSimpleName());
                    }
                    String flat = fresh(vertex + "_flatten");
                    node("Flatten", List.of(x), flat, intAttr("axis", 1));
                    x = flat;
                    xs = new long[]{xs[0] * xs[1] * xs[2]};
                }
                shape = layer(vertex, lv.getLayerConf().getLayer(), x, xs, target);
            } else {
                throw unsupported(vertex, gv.getClass().getSimpleName());
            }
            values.put(vertex, target);
            shapes.put(vertex, shape);
        }

        private long[] normalization(String vertex, ChannelNormVertex norm, String x, long[] xs, String target) {
            double[] mean = norm.getMean();
            double[] std = norm.getStd();
            if (xs.length != 3 || xs[0] != mean.length) {
                throw new InvalidInputException("vertex '" + vertex + "' normalises " + mean.length + " channels but "
                        + "gets " + describe(xs) + " (is the input size right?)");
            }
            float[] m = new float[mean.length];
            float[] inverse = new float[std.length];
            for (int c = 0; c < m.length; c++) {
                m[c] = (float) mean[c];               // as ChannelNormVertex: the double cast to float
                inverse[c] = (float) (1.0 / std[c]);  // and 1/std in double, then cast
            }
            long[] dims = {1, m.length, 1, 1};
            String shifted = fresh(vertex + "_centered");
            node("Sub", List.of(x, constant(vertex + "_mean", m, dims)), shifted);
            node("Mul", List.of(shifted, constant(vertex + "_inv_std", inverse, dims)), target);
            return xs;
        }

        private long[] elementWise(String vertex, ElementWiseVertex ew, List<String> in, List<long[]> shapesIn,
                                   String target) {
            for (long[] s : shapesIn) {
                if (!Arrays.equals(s, shapesIn.get(0))) {
                    throw new InvalidInputException("vertex '" + vertex + "' adds inputs of different shapes "
                            + shapesIn.stream().map(Arrays::toString).toList());
                }
            }
            switch (ew.getOp()) {
                case Add -> node(in.size() == 2 ? "Add" : "Sum", in, target);
                case Subtract -> {
                    if (in.size() != 2) {
                        throw unsupported(vertex, "Subtract of " + in.size() + " inputs");
                    }
                    node("Sub", in, target);
                }
                case Product -> {
                    String acc = in.get(0);
                    for (int i = 1; i < in.size(); i++) {
                        String out = i == in.size() - 1 ? target : fresh(vertex + "_product" + i);
                        node("Mul", List.of(acc, in.get(i)), out);
                        acc = out;
                    }
                }
                case Average -> node("Mean", in, target);
                case Max -> node("Max", in, target);
                default -> throw unsupported(vertex, "ElementWiseVertex " + ew.getOp());
            }
            return shapesIn.get(0);
        }

        private long[] merge(String vertex, List<String> in, List<long[]> shapesIn, String target) {
            long[] first = shapesIn.get(0);
            long channels = 0;
            for (long[] s : shapesIn) {
                if (s.length != first.length || (s.length == 3 && (s[1] != first[1] || s[2] != first[2]))) {
                    throw new InvalidInputException("vertex '" + vertex + "' merges inputs of incompatible shapes "
                            + shapesIn.stream().map(Arrays::toString).toList());
                }
                channels += s[0];
            }
            node("Concat", in, target, intAttr("axis", 1));
            long[] out = first.clone();
            out[0] = channels;
            return out;
        }

        private long[] layer(String vertex, Layer layer, String x, long[] xs, String target) {
            Class<?> kind = layer.getClass();
            if (kind == ConvolutionLayer.class) {
                ConvolutionLayer c = (ConvolutionLayer) layer;
                return withActivation(vertex, c.getActivationFn(), target, out -> convolution(vertex, c, x, xs, out));
            }
            if (kind == BatchNormalization.class) {
                return batchNorm(vertex, (BatchNormalization) layer, x, xs, target);
            }
            if (kind == ActivationLayer.class) {
                ActivationLayer a = (ActivationLayer) layer;
                if (isIdentity(a.getActivationFn())) {
                    node("Identity", List.of(x), target);
                } else {
                    activation(vertex, a.getActivationFn(), x, target, xs);
                }
                return xs;
            }
            if (kind == DenseLayer.class || kind == OutputLayer.class) {
                org.deeplearning4j.nn.conf.layers.BaseLayer dense = (org.deeplearning4j.nn.conf.layers.BaseLayer) layer;
                if (dense instanceof DenseLayer d && d.hasLayerNorm()) {
                    throw unsupported(vertex, "DenseLayer with layer normalisation");
                }
                boolean bias = dense instanceof DenseLayer d ? d.hasBias() : ((OutputLayer) dense).hasBias();
                return withActivation(vertex, dense.getActivationFn(), target,
                        out -> fullyConnected(vertex, bias, x, xs, out));
            }
            if (kind == GlobalPoolingLayer.class) {
                return globalPooling(vertex, (GlobalPoolingLayer) layer, x, xs, target);
            }
            if (kind == SubsamplingLayer.class) {
                return pooling(vertex, (SubsamplingLayer) layer, x, xs, target);
            }
            throw unsupported(vertex, kind.getSimpleName());
        }

        private long[] convolution(String vertex, ConvolutionLayer c, String x, long[] xs, String target) {
            if (c.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
                throw unsupported(vertex, "ConvolutionLayer in " + c.getCnn2dDataFormat() + " format");
            }
            INDArray w = param(vertex, DefaultParamInitializer.WEIGHT_KEY);
            long[] ws = w.shape();
            if (xs.length != 3 || ws.length != 4 || xs[0] != ws[1]) {
                throw new InvalidInputException("layer '" + vertex + "' convolves " + (ws.length == 4 ? ws[1] : "?")
                        + " channels but gets " + describe(xs) + " (is the input size right?)");
            }
            Window window = window(vertex, c.getConvolutionMode(), c.getKernelSize(), c.getStride(), c.getPadding(),
                    c.getDilation(), xs);
            List<String> inputs = new ArrayList<>(List.of(x, initializer(vertex + "_W", w, ws)));
            if (c.hasBias()) {
                INDArray b = param(vertex, DefaultParamInitializer.BIAS_KEY);
                inputs.add(initializer(vertex + "_b", b, new long[]{ws[0]}));
            }
            node("Conv", inputs, target, window.attributes(true));
            return new long[]{ws[0], window.outHeight, window.outWidth};
        }

        private long[] batchNorm(String vertex, BatchNormalization bn, String x, long[] xs, String target) {
            if (xs.length != 3 || bn.getCnn2DFormat() != CNN2DFormat.NCHW) {
                throw unsupported(vertex, "BatchNormalization on " + describe(xs) + " in "
                        + bn.getCnn2DFormat() + " format (NCHW images only)");
            }
            int channels = (int) xs[0];
            long[] dims = {channels};
            String gamma;
            String beta;
            if (bn.isLockGammaBeta()) {
                gamma = constant(vertex + "_gamma", filled(channels, (float) bn.getGamma()), dims);
                beta = constant(vertex + "_beta", filled(channels, (float) bn.getBeta()), dims);
            } else {
                gamma = initializer(vertex + "_gamma", param(vertex, BatchNormalizationParamInitializer.GAMMA), dims);
                beta = initializer(vertex + "_beta", param(vertex, BatchNormalizationParamInitializer.BETA), dims);
            }
            String mean = initializer(vertex + "_mean",
                    param(vertex, BatchNormalizationParamInitializer.GLOBAL_MEAN), dims);
            String variance;
            if (bn.isUseLogStd()) {
                float[] log10std = floats(param(vertex, BatchNormalizationParamInitializer.GLOBAL_LOG_STD));
                float[] var = new float[log10std.length];
                for (int c = 0; c < var.length; c++) {
                    double std = Math.pow(10, log10std[c]);   // DL4J: var = (10^log10(std))^2
                    var[c] = (float) (std * std);
                }
                variance = constant(vertex + "_var", var, dims);
                parameters += var.length;
            } else {
                variance = initializer(vertex + "_var",
                        param(vertex, BatchNormalizationParamInitializer.GLOBAL_VAR), dims);
            }
            node("BatchNormalization", List.of(x, gamma, beta, mean, variance), target,
                    floatAttr("epsilon", (float) bn.getEps()));
            return xs;
        }

        private long[] fullyConnected(String vertex, boolean bias, String x, long[] xs, String target) {
            INDArray w = param(vertex, DefaultParamInitializer.WEIGHT_KEY);
            long[] ws = w.shape();
            if (xs.length != 1 || ws.length != 2 || xs[0] != ws[0]) {
                throw new InvalidInputException("layer '" + vertex + "' takes " + (ws.length == 2 ? ws[0] : "?")
                        + " inputs but gets " + describe(xs) + " (is the input size right?)");
            }
            List<String> inputs = new ArrayList<>(List.of(x, initializer(vertex + "_W", w, ws)));
            if (bias) {
                inputs.add(initializer(vertex + "_b", param(vertex, DefaultParamInitializer.BIAS_KEY),
                        new long[]{ws[1]}));
            }
            node("Gemm", inputs, target);   // x [N, nIn] . W [nIn, nOut] + b: DL4J's layout, no transpose
            return new long[]{ws[1]};
        }

        private long[] globalPooling(String vertex, GlobalPoolingLayer p, String x, long[] xs, String target) {
            int[] dims = p.getPoolingDimensions();
            if (xs.length != 3 || (dims != null && !Arrays.equals(dims, new int[]{2, 3}))) {
                throw unsupported(vertex, "GlobalPoolingLayer over dimensions " + Arrays.toString(dims) + " of "
                        + describe(xs) + " (NCHW images over height and width only)");
            }
            String op = switch (p.getPoolingType()) {
                case AVG -> "GlobalAveragePool";
                case MAX -> "GlobalMaxPool";
                default -> throw unsupported(vertex, "GlobalPoolingLayer " + p.getPoolingType());
            };
            if (!p.isCollapseDimensions()) {
                node(op, List.of(x), target);
                return new long[]{xs[0], 1, 1};
            }
            String pooled = fresh(vertex + "_pooled");
            node(op, List.of(x), pooled);
            node("Flatten", List.of(pooled), target, intAttr("axis", 1));
            return new long[]{xs[0]};
        }

        private long[] pooling(String vertex, SubsamplingLayer p, String x, long[] xs, String target) {
            if (xs.length != 3 || p.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
                throw unsupported(vertex, "SubsamplingLayer on " + describe(xs) + " in " + p.getCnn2dDataFormat()
                        + " format (NCHW images only)");
            }
            Window window = window(vertex, p.getConvolutionMode(), p.getKernelSize(), p.getStride(), p.getPadding(),
                    p.getDilation(), xs);
            if (p.getPoolingType() == PoolingType.MAX) {
                node("MaxPool", List.of(x), target, window.attributes(true));
            } else if (p.getPoolingType() == PoolingType.AVG && window.unpadded()
                    && Arrays.stream(p.getDilation()).allMatch(d -> d == 1)) {
                node("AveragePool", List.of(x), target, window.attributes(false));
            } else {
                throw unsupported(vertex, "SubsamplingLayer " + p.getPoolingType()
                        + (p.getPoolingType() == PoolingType.AVG ? " with padding or dilation" : ""));
            }
            return new long[]{xs[0], window.outHeight, window.outWidth};
        }

        /** A convolution or pooling window over an input: ONNX attributes and the output size. */
        private record Window(int[] kernel, int[] stride, int[] dilation, int[] pads, long outHeight, long outWidth) {
            boolean unpadded() {
                return Arrays.stream(pads).allMatch(p -> p == 0);
            }

            OnnxMl.AttributeProto[] attributes(boolean withDilations) {
                List<OnnxMl.AttributeProto> a = new ArrayList<>(List.of(intsAttr("kernel_shape", kernel),
                        intsAttr("strides", stride), intsAttr("pads", pads)));
                if (withDilations) {
                    a.add(intsAttr("dilations", dilation));
                }
                return a.toArray(new OnnxMl.AttributeProto[0]);
            }
        }

        /**
         * DL4J's output size and padding for a window: {@code Same} gives ceil(in / stride) with total padding
         * max(0, (out - 1) stride + effective kernel - in), the smaller half first (DL4J's top-left padding is the
         * total / 2); {@code Truncate} and {@code Strict} floor((in + 2 pad - effective kernel) / stride) + 1 with
         * the layer's symmetric padding.
         */
        private Window window(String vertex, ConvolutionMode mode, int[] kernel, int[] stride, int[] padding,
                              int[] dilation, long[] xs) {
            int[] pads = new int[4];
            long[] out = new long[2];
            for (int i = 0; i < 2; i++) {
                long in = xs[1 + i];
                long effective = (long) (kernel[i] - 1) * dilation[i] + 1;
                if (mode == ConvolutionMode.Same) {
                    out[i] = (in + stride[i] - 1) / stride[i];
                    long total = Math.max(0, (out[i] - 1) * stride[i] + effective - in);
                    pads[i] = (int) (total / 2);
                    pads[i + 2] = (int) (total - total / 2);
                } else if (mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict) {
                    pads[i] = padding[i];
                    pads[i + 2] = padding[i];
                    out[i] = (in + 2L * padding[i] - effective) / stride[i] + 1;
                } else {
                    throw unsupported(vertex, "convolution mode " + mode);
                }
                if (out[i] < 1) {
                    throw new InvalidInputException("layer '" + vertex + "' gets " + describe(xs) + ", too small for "
                            + "its " + kernel[0] + "x" + kernel[1] + " window (is the input size right?)");
                }
            }
            return new Window(kernel.clone(), stride.clone(), dilation.clone(), pads, out[0], out[1]);
        }

        /** Runs {@code core} into {@code target}, or into a temporary followed by the activation into {@code target}. */
        private long[] withActivation(String vertex, IActivation activation, String target,
                                      java.util.function.Function<String, long[]> core) {
            if (isIdentity(activation)) {
                return core.apply(target);
            }
            String linear = fresh(vertex + "_linear");
            long[] shape = core.apply(linear);
            activation(vertex, activation, linear, target, shape);
            return shape;
        }

        private void activation(String vertex, IActivation a, String x, String target, long[] shape) {
            if (a instanceof ActivationReLU relu) {
                boolean plain = (relu.getMax() == null || relu.getMax() == 0)
                        && (relu.getThreshold() == null || relu.getThreshold() == 0)
                        && (relu.getNegativeSlope() == null || relu.getNegativeSlope() == 0);
                if (!plain) {
                    throw unsupported(vertex, "activation " + a);
                }
                node("Relu", List.of(x), target);
            } else if (a instanceof ActivationLReLU leaky) {
                node("LeakyRelu", List.of(x), target, floatAttr("alpha", (float) leaky.getAlpha()));
            } else if (a instanceof ActivationSigmoid) {
                node("Sigmoid", List.of(x), target);
            } else if (a instanceof ActivationTanH) {
                node("Tanh", List.of(x), target);
            } else if (a instanceof ActivationSoftmax) {
                node("Softmax", List.of(x), target, intAttr("axis", 1));   // DL4J: over the classes / channels
            } else {
                throw unsupported(vertex, "activation " + a + " on " + describe(shape));
            }
        }

        private static boolean isIdentity(IActivation a) {
            return a == null || a instanceof ActivationIdentity;
        }

        private INDArray param(String vertex, String key) {
            INDArray p = graph.getLayer(vertex).getParam(key);
            if (p == null) {
                throw new InvalidInputException("layer '" + vertex + "' has no parameter " + key);
            }
            return p;
        }

        private String initializer(String base, INDArray value, long[] dims) {
            float[] v = floats(value);
            long n = Arrays.stream(dims).reduce(1, (a, b) -> a * b);
            if (v.length != n) {
                throw new IllegalStateException("parameter " + base + " has " + v.length + " values, expected "
                        + Arrays.toString(dims));
            }
            parameters += v.length;
            return constant(base, v, dims);
        }

        private String constant(String base, float[] v, long[] dims) {
            String name = fresh(base);
            ByteBuffer bytes = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(v);   // raw IEEE bits: -0.0 and every quantized value stay as they are
            OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                    .setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(bytes.array()));
            for (long d : dims) {
                t.addDims(d);
            }
            g.addInitializer(t);
            return name;
        }

        private void node(String op, List<String> inputs, String output, OnnxMl.AttributeProto... attributes) {
            OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(output)
                    .addAllInput(inputs).addOutput(output);
            for (OnnxMl.AttributeProto a : attributes) {
                n.addAttribute(a);
            }
            g.addNode(n);
            operators.merge(op, 1, Integer::sum);
        }

        /** A value or initializer name not used yet: {@code base}, else {@code base_2}, {@code base_3}, ... */
        private String fresh(String base) {
            String name = base;
            for (int i = 2; !used.add(name); i++) {
                name = base + "_" + i;
            }
            return name;
        }

        private static InvalidInputException unsupported(String vertex, String what) {
            return new InvalidInputException("vertex '" + vertex + "' (" + what + ") cannot be exported to ONNX; "
                    + "supported: convolution, batch norm, dense and output layers, activations, global and max "
                    + "pooling, element-wise and merge vertices, the channel normalisation");
        }
    }

    /** The values of an array as float32 in C order; a float array's values bit for bit. */
    static float[] floats(INDArray array) {
        INDArray c = array.castTo(DataType.FLOAT).dup('c');
        float[] v = c.data().asFloat();
        return v.length == c.length() ? v : Arrays.copyOf(v, (int) c.length());
    }

    private static float[] filled(int n, float value) {
        float[] v = new float[n];
        Arrays.fill(v, value);
        return v;
    }

    private static String describe(long[] shape) {
        return shape.length == 3 ? "images of " + shape[0] + "x" + shape[1] + "x" + shape[2]
                : "vectors of " + shape[0];
    }

    private static OnnxMl.ValueInfoProto valueInfo(String name, long... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH));
        for (long d : dims) {
            shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    private static OnnxMl.StringStringEntryProto entry(String key, String value) {
        return OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static OnnxMl.AttributeProto intAttr(String name, long value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INT)
                .setI(value).build();
    }

    private static OnnxMl.AttributeProto floatAttr(String name, float value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.FLOAT)
                .setF(value).build();
    }

    private static OnnxMl.AttributeProto intsAttr(String name, int[] values) {
        OnnxMl.AttributeProto.Builder a = OnnxMl.AttributeProto.newBuilder().setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.INTS);
        for (int v : values) {
            a.addInts(v);
        }
        return a.build();
    }
}
