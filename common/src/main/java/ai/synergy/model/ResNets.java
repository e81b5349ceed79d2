package ai.synergy.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Builds the project's ResNets as DL4J {@link ComputationGraph}s (He et al., "Deep Residual Learning", CVPR 2016).
 *
 * <p>Vertex names are stable, because later stages (auxiliary heads, pruning, quantization) address layers by name:
 * {@code input -> norm -> stem_conv, stem_bn, stem_relu [, stem_pool] -> s{stage}_b{block}_... -> pool -> output}.
 * Each block ends in the vertex {@code s{i}_b{j}} (the ReLU after the residual sum). Downsampling shortcuts are 1x1
 * convolutions with batch norm (option B of the paper), which gives ResNet-8 its 78k and ResNet-20 its 0.27M
 * parameters. Convolutions have no bias (batch norm follows). Inputs are expected in [0, 1]; the {@code norm} vertex
 * ({@link ChannelNormVertex}) subtracts the per-channel mean and divides by the standard deviation inside the network.
 */
public final class ResNets {
    /** Name of the graph's input. */
    public static final String INPUT = "input";
    /** Name of the classifier (the main head). */
    public static final String OUTPUT = "output";

    private ResNets() {
    }

    /** The graph configuration for a model and optimiser; the configuration is what Spark ships (as JSON). */
    public static ComputationGraphConfiguration configuration(ModelSpec spec, OptimizerSpec optimizer) {
        GraphBuilder b = new GraphBuilder(spec, optimizer);
        String x = b.stem();
        ModelArchitecture arch = spec.architecture();
        if (arch.family() == ModelArchitecture.Family.CIFAR) {
            int blocks = (arch.depth() - 2) / 6;
            int[] widths = {16 * spec.widthMultiplier(), 32 * spec.widthMultiplier(), 64 * spec.widthMultiplier()};
            int channels = widths[0];
            for (int stage = 0; stage < 3; stage++) {
                for (int block = 0; block < blocks; block++) {
                    int stride = (stage > 0 && block == 0) ? 2 : 1;
                    x = b.basicBlock(blockName(stage, block), x, channels, widths[stage], stride);
                    channels = widths[stage];
                }
            }
        } else {
            int[] stageBlocks = ModelArchitecture.stageBlocks(arch.depth());
            int[] widths = {64, 128, 256, 512};
            int channels = 64;
            for (int stage = 0; stage < 4; stage++) {
                for (int block = 0; block < stageBlocks[stage]; block++) {
                    int stride = (stage > 0 && block == 0) ? 2 : 1;
                    if (arch.bottleneck()) {
                        x = b.bottleneckBlock(blockName(stage, block), x, channels, widths[stage], stride);
                        channels = widths[stage] * 4;
                    } else {
                        x = b.basicBlock(blockName(stage, block), x, channels, widths[stage], stride);
                        channels = widths[stage];
                    }
                }
            }
        }
        return b.head(x);
    }

    /** A freshly initialised network (seeded by {@link ModelSpec#seed()}). */
    public static ComputationGraph create(ModelSpec spec, OptimizerSpec optimizer) {
        ComputationGraph graph = new ComputationGraph(configuration(spec, optimizer));
        graph.init();
        return graph;
    }

    /** The vertex name of block {@code block} (0-based) of stage {@code stage} (0-based): {@code s1_b1} is the first. */
    public static String blockName(int stage, int block) {
        return "s" + (stage + 1) + "_b" + (block + 1);
    }

    /** The updater for an optimiser spec: Nesterov momentum SGD, or plain SGD when momentum is 0. */
    public static IUpdater updater(OptimizerSpec optimizer) {
        return optimizer.momentum() > 0 ? new Nesterovs(optimizer.learningRate(), optimizer.momentum())
                : new Sgd(optimizer.learningRate());
    }

    /** Accumulates vertices; one instance per configuration. */
    private static final class GraphBuilder {
        private final ModelSpec spec;
        private final ComputationGraphConfiguration.GraphBuilder g;

        GraphBuilder(ModelSpec spec, OptimizerSpec optimizer) {
            this.spec = spec;
            NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder()
                    .seed(spec.seed())
                    .dataType(DataType.FLOAT)
                    .updater(updater(optimizer))
                    .weightInit(WeightInit.RELU)
                    .convolutionMode(ConvolutionMode.Same)
                    .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                    .inferenceWorkspaceMode(WorkspaceMode.ENABLED);
            if (optimizer.weightDecay() > 0) {
                base.l2(optimizer.weightDecay());
            }
            this.g = base.graphBuilder()
                    .addInputs(INPUT)
                    .setInputTypes(InputType.convolutional(spec.inputHeight(), spec.inputWidth(), spec.inputChannels()));
        }

        String stem() {
            g.addVertex("norm", new ChannelNormVertex(toArray(spec.inputMean()), toArray(spec.inputStd())), INPUT);
            boolean imagenet = spec.architecture().family() == ModelArchitecture.Family.IMAGENET;
            int width = imagenet ? 64 : 16 * spec.widthMultiplier();
            String x = convBnRelu("stem", "norm", imagenet ? 7 : 3, imagenet ? 2 : 1, width, true);
            if (imagenet) {
                g.addLayer("stem_pool", new SubsamplingLayer.Builder(PoolingType.MAX)
                        .kernelSize(3, 3).stride(2, 2).build(), x);
                x = "stem_pool";
            }
            return x;
        }

        static double[] toArray(java.util.List<Double> values) {
            return values.stream().mapToDouble(Double::doubleValue).toArray();
        }

        /** Two 3x3 convolutions and the residual sum (He et al. 2016, figure 2). */
        String basicBlock(String name, String in, int inChannels, int width, int stride) {
            String a = convBnRelu(name + "_1", in, 3, stride, width, true);
            String b = convBnRelu(name + "_2", a, 3, 1, width, false);
            return residual(name, in, b, inChannels, width, stride);
        }

        /** 1x1 reduce, 3x3 (with the stride, as torchvision's v1.5), 1x1 expand by 4 (He et al. 2016, figure 5). */
        String bottleneckBlock(String name, String in, int inChannels, int width, int stride) {
            String a = convBnRelu(name + "_1", in, 1, 1, width, true);
            String b = convBnRelu(name + "_2", a, 3, stride, width, true);
            String c = convBnRelu(name + "_3", b, 1, 1, width * 4, false);
            return residual(name, in, c, inChannels, width * 4, stride);
        }

        String residual(String name, String in, String branch, int inChannels, int outChannels, int stride) {
            String shortcut = in;
            if (stride != 1 || inChannels != outChannels) {
                shortcut = convBnRelu(name + "_proj", in, 1, stride, outChannels, false);
            }
            g.addVertex(name + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), branch, shortcut);
            g.addLayer(name, new ActivationLayer.Builder().activation(Activation.RELU).build(), name + "_add");
            return name;
        }

        /** conv (no bias) -> batch norm [-> ReLU]; returns the last vertex name. */
        String convBnRelu(String name, String in, int kernel, int stride, int channels, boolean relu) {
            g.addLayer(name + "_conv", new ConvolutionLayer.Builder(kernel, kernel)
                    .stride(stride, stride)
                    .nOut(channels)
                    .hasBias(false)
                    .activation(Activation.IDENTITY)
                    .build(), in);
            g.addLayer(name + "_bn", new BatchNormalization.Builder().build(), name + "_conv");
            if (!relu) {
                return name + "_bn";
            }
            g.addLayer(name + "_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), name + "_bn");
            return name + "_relu";
        }

        ComputationGraphConfiguration head(String in) {
            g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), in);
            g.addLayer(OUTPUT, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nOut(spec.numClasses())
                    .activation(Activation.SOFTMAX)
                    .weightInit(WeightInit.XAVIER)
                    .build(), "pool");
            g.setOutputs(OUTPUT);
            return g.build();
        }
    }
}
