package ai.synergy.nd4j;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collections;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

/**
 * Batch normalization with the running statistics in every pass, training passes included: per channel
 * y = scale x + shift with scale = gamma / sqrt(var + eps) and shift = beta - mean scale, and on the way back
 * dL/dx = scale dL/dy. DL4J 1.0.0-M2.1 has a backward pass only after a training forward pass, which normalises with
 * the minibatch's own statistics; in a private copy of a network ({@link BatchNormHelpers#installInference}) this
 * helper makes that pass compute the network as it is evaluated, so an attack gets the input gradient of the inference
 * function and examples do not influence each other through batch statistics. The float arithmetic is that of
 * {@link ChannelBatchNormHelper}'s inference path, so logits agree bit for bit with {@code output(false)} of a network
 * that uses it. The copy is never fitted: gamma and beta get zero gradients, and the caches DL4J reads to move its
 * running averages hold the running values themselves.
 */
public final class InferenceBatchNormHelper implements BatchNormalizationHelper {
    private INDArray scale;
    private INDArray shift;
    private INDArray meanSeen;
    private INDArray varSeen;

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return true;
    }

    @Override
    public boolean checkSupported() {
        return true;
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta, INDArray mean,
                              INDArray var, double decay, double eps, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        affine(gamma, beta, mean, var, eps, x.dataType());
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape(), 'c');
        int axis = channelAxis(x, format);
        Nd4j.getExecutioner().exec(new BroadcastMulOp(x, scale, out, axis));
        Nd4j.getExecutioner().exec(new BroadcastAddOp(out, shift, out, axis));
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (scale == null || scale.length() != input.size(channelAxis(input, format))) {
            throw new IllegalStateException("backward pass without a matching forward pass");
        }
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), epsilon.shape(),
                'c');
        Nd4j.getExecutioner().exec(new BroadcastMulOp(epsilon, scale, dx, channelAxis(input, format)));
        dGammaView.assign(0);
        dBetaView.assign(0);
        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        gradient.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(gradient, dx);
    }

    private static int channelAxis(INDArray x, CNN2DFormat format) {
        return x.rank() == 4 && format == CNN2DFormat.NHWC ? 3 : 1;
    }

    /**
     * Per-channel scale and shift. In float each step is rounded to float as ChannelBatchNormHelper's float arithmetic
     * rounds it (a product or difference of two floats is exact in double, so rounding it once gives the float
     * operation's result).
     */
    private void affine(INDArray gamma, INDArray beta, INDArray mean, INDArray var, double eps, DataType type) {
        DoubleUnaryOperator round = type == DataType.FLOAT ? v -> (float) v : v -> v;
        double[] g = gamma.toDoubleVector();
        double[] b = beta.toDoubleVector();
        double[] mu = mean.toDoubleVector();
        double[] v = var.toDoubleVector();
        double[] s = new double[g.length];
        double[] t = new double[g.length];
        for (int c = 0; c < g.length; c++) {
            double inv = round.applyAsDouble(1.0 / Math.sqrt(v[c] + eps));
            s[c] = round.applyAsDouble(g[c] * inv);
            t[c] = round.applyAsDouble(b[c] - round.applyAsDouble(mu[c] * s[c]));
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            scale = Nd4j.createFromArray(s).castTo(type);
            shift = Nd4j.createFromArray(t).castTo(type);
            meanSeen = mean.dup();
            varSeen = var.dup();
        }
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return meanSeen.castTo(dataType);
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return varSeen.castTo(dataType);
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Collections.emptyMap();
    }
}
