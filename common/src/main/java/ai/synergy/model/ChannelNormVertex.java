package ai.synergy.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Arrays;

/**
 * Graph vertex (configuration) that normalises NCHW inputs per channel: {@code (x - mean[c]) / std[c]}. It keeps the
 * network's input in [0, 1] pixel units (what the data pipeline and the adversarial attacks work in) while the
 * convolutions see standardised values, e.g. ImageNet's RGB mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225).
 * No parameters; survives DL4J's JSON round trip (Spark ships configurations as JSON).
 */
public final class ChannelNormVertex extends GraphVertex {
    private final double[] mean;
    private final double[] std;

    /**
     * @param mean per-channel mean subtracted from the input
     * @param std  per-channel standard deviation dividing the shifted input; every entry must be > 0
     */
    public ChannelNormVertex(@JsonProperty("mean") double[] mean, @JsonProperty("std") double[] std) {
        if (mean == null || std == null || mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("mean and std need one entry per channel, got "
                    + Arrays.toString(mean) + " and " + Arrays.toString(std));
        }
        for (double s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("std entries must be > 0, got " + Arrays.toString(std));
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** Per-channel mean (a copy). */
    @JsonProperty("mean")
    public double[] getMean() {
        return mean.clone();
    }

    /** Per-channel standard deviation (a copy). */
    @JsonProperty("std")
    public double[] getStd() {
        return std.clone();
    }

    @Override
    public ChannelNormVertex clone() {
        return new ChannelNormVertex(mean, std);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelNormVertex other && Arrays.equals(mean, other.mean) && Arrays.equals(std, other.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "ChannelNormVertex(mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + ")";
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return 1;
    }

    @Override
    public int maxVertexInputs() {
        return 1;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        return new Impl(graph, name, idx, mean, std, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
        if (vertexInputs[0] instanceof InputType.InputTypeConvolutional conv && conv.getChannels() != mean.length) {
            throw new IllegalArgumentException("ChannelNormVertex has " + mean.length + " channels but its input has "
                    + conv.getChannels());
        }
        return vertexInputs[0];
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        return new LayerMemoryReport.Builder(null, ChannelNormVertex.class, inputTypes[0], inputTypes[0])
                .standardMemory(0, 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    /** The vertex at run time: two broadcast ops forward, one backward ({@code dL/dx = dL/dy / std}). */
    static final class Impl extends BaseGraphVertex {
        private final double[] mean;
        private final double[] std;
        private INDArray meanVector;
        private INDArray inverseStdVector;

        Impl(ComputationGraph graph, String name, int index, double[] mean, double[] std, DataType dataType) {
            super(graph, name, index, null, null, dataType);
            this.mean = mean;
            this.std = std;
        }

        @Override
        public boolean hasLayer() {
            return false;
        }

        @Override
        public Layer getLayer() {
            return null;
        }

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
            INDArray x = inputs[0];
            requireNchw(x);
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape(), 'c');
            Nd4j.getExecutioner().exec(new BroadcastSubOp(x, meanVector(x.dataType()), out, 1));
            Nd4j.getExecutioner().exec(new BroadcastMulOp(out, inverseStdVector(x.dataType()), out, 1));
            return out;
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            INDArray gradient = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(),
                    epsilon.shape(), 'c');
            Nd4j.getExecutioner().exec(new BroadcastMulOp(epsilon, inverseStdVector(epsilon.dataType()), gradient, 1));
            return new Pair<>(null, new INDArray[]{gradient});
        }

        private void requireNchw(INDArray x) {
            if (x.rank() != 4 || x.size(1) != mean.length) {
                throw new IllegalStateException("vertex " + vertexName + " expects NCHW input with " + mean.length
                        + " channels, got shape " + Arrays.toString(x.shape()));
            }
        }

        private INDArray meanVector(DataType type) {
            if (meanVector == null || meanVector.dataType() != type) {
                meanVector = detached(mean, type, false);
            }
            return meanVector;
        }

        private INDArray inverseStdVector(DataType type) {
            if (inverseStdVector == null || inverseStdVector.dataType() != type) {
                inverseStdVector = detached(std, type, true);
            }
            return inverseStdVector;
        }

        private static INDArray detached(double[] values, DataType type, boolean inverse) {
            double[] v = values.clone();
            if (inverse) {
                for (int i = 0; i < v.length; i++) {
                    v[i] = 1.0 / v[i];
                }
            }
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return Nd4j.createFromArray(v).castTo(type);
            }
        }

        @Override
        public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
            if (backpropGradientsViewArray != null) {
                throw new IllegalStateException("ChannelNormVertex has no parameters");
            }
        }

        @Override
        public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState,
                                                               int minibatchSize) {
            if (maskArrays == null || maskArrays.length == 0) {
                return null;
            }
            return new Pair<>(maskArrays[0], currentMaskState);
        }

        @Override
        public String toString() {
            return "ChannelNormVertex(name=" + vertexName + ", mean=" + Arrays.toString(mean) + ", std="
                    + Arrays.toString(std) + ")";
        }
    }
}
