package ai.synergy.model;

import ai.synergy.nd4j.LayerHelpers;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
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
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;

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
    /** Training graphs with auxiliary heads: the vertex concatenating every head's logits, main head first. */
    public static final String HEADS = "heads";
    /** Training graphs with auxiliary heads: the loss layer over all heads. */
    public static final String HEADS_LOSS = "heads_loss";

    private ResNets() {
    }

    /** The graph configuration for a model and optimiser; the configuration is what Spark ships (as JSON). */
    public static ComputationGraphConfiguration configuration(ModelSpec spec, OptimizerSpec optimizer) {
        GraphBuilder b = new GraphBuilder(spec, optimizer);
        List<String> stageOutputs = b.trunk();
        return b.head(stageOutputs.get(stageOutputs.size() - 1));
    }

    /**
     * The training graph of a deeply supervised ResNet (DKS, Sun et al., CVPR 2019, section 3.1): the backbone of
     * {@link #configuration} with the same vertex names, plus one auxiliary branch per entry of
     * {@code heads.stages()}. A branch brings its stage's output to the final resolution with residual blocks of the
     * backbone's type, then BN-ReLU-global-pool-FC ({@code aux<k>_fc}). The main classifier {@code output} and the
     * branches' classifiers give logits, concatenated by the vertex {@code heads} (main head first) into one
     * {@code LossLayer} ({@value #HEADS_LOSS}) with {@code loss} (e.g. the synergy loss over all heads). With no
     * auxiliary stage this is {@link #configuration}.
     */
    public static ComputationGraphConfiguration trainingConfiguration(ModelSpec spec, OptimizerSpec optimizer,
                                                                      AuxiliaryHeads heads, ILossFunction loss) {
        if (heads.stages().isEmpty()) {
            return configuration(spec, optimizer);
        }
        GraphBuilder b = new GraphBuilder(spec, optimizer);
        List<String> stageOutputs = b.trunk();
        int lastStage = stageOutputs.size();
        List<String> logits = new ArrayList<>();
        logits.add(b.logits(OUTPUT, b.pool("pool", stageOutputs.get(lastStage - 1))));
        int k = 1;
        for (int stage : heads.stages()) {
            if (stage < 1 || stage >= lastStage) {
                throw new IllegalArgumentException("auxiliary heads attach after stages 1.." + (lastStage - 1)
                        + " of " + spec.architecture().canonicalName() + ", got " + stage);
            }
            String name = "aux" + k++;
            String x = b.branch(name, stageOutputs.get(stage - 1), stage);
            logits.add(b.auxiliaryHead(name, x));
        }
        return b.mergeIntoLoss(logits, loss);
    }

    /** A freshly initialised network (seeded by {@link ModelSpec#seed()}). */
    public static ComputationGraph create(ModelSpec spec, OptimizerSpec optimizer) {
        ComputationGraph graph = new ComputationGraph(configuration(spec, optimizer));
        graph.init();
        LayerHelpers.install(graph);
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
        private final boolean imagenet;
        private final ComputationGraphConfiguration.GraphBuilder g;

        GraphBuilder(ModelSpec spec, OptimizerSpec optimizer) {
            this.spec = spec;
            this.imagenet = spec.architecture().family() == ModelArchitecture.Family.IMAGENET;
            NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder()
                    .seed(spec.seed())
                    .dataType(DataType.FLOAT)
                    .updater(updater(optimizer))
                    .weightInit(WeightInit.RELU)
                    .convolutionMode(ConvolutionMode.Same)
                    .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                    .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                    // DL4J's conv layer recomputes its forward convolution in backprop unless the training forward
                    // pass cached it: caching removes one of three convolutions per layer and step (bench/throughput)
                    .cacheMode(CacheMode.DEVICE);
            if (optimizer.weightDecay() > 0) {
                base.l2(optimizer.weightDecay());
            }
            this.g = base.graphBuilder()
                    .addInputs(INPUT)
                    .setInputTypes(InputType.convolutional(spec.inputHeight(), spec.inputWidth(), spec.inputChannels()));
        }

        /** Stem and all stages; returns each stage's output vertex. */
        List<String> trunk() {
            String x = stem();
            List<String> outputs = new ArrayList<>();
            int channels = stemWidth();
            for (int stage = 0; stage < stageCount(); stage++) {
                for (int block = 0; block < blocksIn(stage); block++) {
                    int stride = (stage > 0 && block == 0) ? 2 : 1;
                    x = block(blockName(stage, block), x, channels, stageWidth(stage), stride);
                    channels = outputChannels(stage);
                }
                outputs.add(x);
            }
            return outputs;
        }

        int stageCount() {
            return imagenet ? 4 : 3;
        }

        int stemWidth() {
            return imagenet ? 64 : (int) Math.max(1, Math.round(16 * spec.widthMultiplier()));
        }

        int stageWidth(int stage) {
            return imagenet ? 64 << stage : (int) Math.max(1, Math.round((16 << stage) * spec.widthMultiplier()));
        }

        int outputChannels(int stage) {
            return spec.architecture().bottleneck() ? stageWidth(stage) * 4 : stageWidth(stage);
        }

        int blocksIn(int stage) {
            return imagenet ? ModelArchitecture.stageBlocks(spec.architecture().depth())[stage]
                    : (spec.architecture().depth() - 2) / 6;
        }

        String block(String name, String in, int inChannels, int width, int stride) {
            return spec.architecture().bottleneck() ? bottleneckBlock(name, in, inChannels, width, stride)
                    : basicBlock(name, in, inChannels, width, stride);
        }

        /**
         * An auxiliary branch from the output of {@code stage} (1-based) to the final resolution. CIFAR family, as the
         * official DKS code: n blocks (stride 2) at the next stage's width, then max(1, n/2) blocks (stride 2) per
         * further stage; ImageNet family: one block of the backbone's type (stride 2) per remaining stage.
         */
        String branch(String name, String in, int stage) {
            String x = in;
            int channels = outputChannels(stage - 1);
            for (int next = stage; next < stageCount(); next++) {
                int n = blocksIn(next);
                int blocks = imagenet ? 1 : (next == stage ? n : Math.max(1, n / 2));
                for (int j = 0; j < blocks; j++) {
                    x = block(name + "_s" + (next + 1) + "_b" + (j + 1), x, channels, stageWidth(next),
                            j == 0 ? 2 : 1);
                    channels = outputChannels(next);
                }
            }
            return x;
        }

        String pool(String name, String in) {
            g.addLayer(name, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), in);
            return name;
        }

        /** A fully connected classifier without softmax: its output is logits. */
        String logits(String name, String in) {
            g.addLayer(name, new DenseLayer.Builder().nOut(spec.numClasses()).activation(Activation.IDENTITY)
                    .weightInit(WeightInit.XAVIER).build(), in);
            return name;
        }

        /** BN-ReLU-global-pool-FC on a branch's output (the DKS auxiliary classifier). */
        String auxiliaryHead(String name, String in) {
            g.addLayer(name + "_bn", new BatchNormalization.Builder().build(), in);
            g.addLayer(name + "_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), name + "_bn");
            return logits(name + "_fc", pool(name + "_pool", name + "_relu"));
        }

        ComputationGraphConfiguration mergeIntoLoss(List<String> logits, ILossFunction loss) {
            g.addVertex(HEADS, new MergeVertex(), logits.toArray(new String[0]));
            g.addLayer(HEADS_LOSS, new LossLayer.Builder(loss).activation(Activation.IDENTITY).build(), HEADS);
            g.setOutputs(HEADS_LOSS);
            return g.build();
        }

        String stem() {
            g.addVertex("norm", new ChannelNormVertex(toArray(spec.inputMean()), toArray(spec.inputStd())), INPUT);
            String x = convBnRelu("stem", "norm", imagenet ? 7 : 3, imagenet ? 2 : 1, stemWidth(), true);
            if (imagenet) {
                g.addLayer("stem_pool", new SubsamplingLayer.Builder(PoolingType.MAX)
                        .kernelSize(3, 3).stride(2, 2).build(), x);
                x = "stem_pool";
            }
            return x;
        }

        static double[] toArray(List<Double> values) {
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
            pool("pool", in);
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
