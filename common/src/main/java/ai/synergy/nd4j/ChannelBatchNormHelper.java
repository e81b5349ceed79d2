package ai.synergy.nd4j;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.Collections;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Batch normalization of NCHW float activations on the CPU, computed per channel over contiguous rows: forward
 * statistics and normalization in two passes, the backward pass in two, split by channel over ND4J's threads. It
 * replaces DL4J's oneDNN helper, which computes the statistics with ND4J's generic strided reductions and then runs
 * separate oneDNN primitives (its backward pass alone took about 20 ms on a [64,16,32,32] tensor, this one under 2).
 * Other inputs (NHWC, rank 2, double, views with odd strides) go to that oneDNN helper.
 *
 * <p>Ioffe &amp; Szegedy (2015), Algorithm 1 and the backward equations of section 3, with m = N·H·W values per
 * channel: mean mu = (1/m) sum x, biased variance s2 = (1/m) sum x^2 - mu^2, x^ = (x - mu) / sqrt(s2 + eps),
 * y = gamma x^ + beta; dbeta = sum dy, dgamma = sum dy x^, dx = gamma / sqrt(s2 + eps) (dy - dbeta/m - x^ dgamma/m).
 */
public final class ChannelBatchNormHelper implements BatchNormalizationHelper {
    private final MKLDNNBatchNormHelper fallback;
    /** Batch mean and biased variance of the last training forward pass (DL4J updates its running averages from them). */
    private INDArray meanCache;
    private INDArray varCache;
    private float[] batchMean = new float[0];
    private float[] invStd = new float[0];
    /** True while the last training forward pass went to the fallback, whose caches then hold the statistics. */
    private boolean delegated;

    /** Same constructor signature as DL4J's helpers. */
    public ChannelBatchNormHelper(DataType dataType) {
        this.fallback = new MKLDNNBatchNormHelper(dataType);
    }

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return !fixedGammaBeta;
    }

    @Override
    public boolean checkSupported() {
        return true;
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta, INDArray mean,
                              INDArray var, double decay, double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!handles(x, format)) {
            if (training) {
                delegated = true;
            }
            return fallback.preOutput(x, training, shape, gamma, beta, mean, var, decay, eps, format, workspaceMgr);
        }
        int n = (int) x.size(0);
        int channels = (int) x.size(1);
        int plane = (int) (x.size(2) * x.size(3));
        FloatBuffer in = floats(x);
        float[] g = gamma.toFloatVector();
        float[] b = beta.toFloatVector();
        float[] mu;
        float[] inv = new float[channels];
        if (training) {
            delegated = false;
            ensureCaches(channels);
            float[] variance = new float[channels];
            mu = batchMean;
            channelMoments(in, n, channels, plane, mu, variance);
            for (int c = 0; c < channels; c++) {
                inv[c] = (float) (1.0 / Math.sqrt(variance[c] + eps));
            }
            this.invStd = inv;
            meanCache.assign(Nd4j.createFromArray(mu));
            varCache.assign(Nd4j.createFromArray(variance));
        } else {
            mu = mean.toFloatVector();
            float[] variance = var.toFloatVector();
            for (int c = 0; c < channels; c++) {
                inv[c] = (float) (1.0 / Math.sqrt(variance[c] + eps));
            }
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape(), 'c');
        FloatBuffer y = floats(out);
        float[] scale = new float[channels];
        float[] shift = new float[channels];
        for (int c = 0; c < channels; c++) {
            scale[c] = g[c] * inv[c];
            shift[c] = b[c] - mu[c] * scale[c];
        }
        forChannelRanges(channels, (from, to) -> {
            for (int image = 0; image < n; image++) {
                for (int c = from; c < to; c++) {
                    float a = scale[c];
                    float s0 = shift[c];
                    int row = (image * channels + c) * plane;
                    for (int i = row, end = row + plane; i < end; i++) {
                        y.put(i, in.get(i) * a + s0);
                    }
                }
            }
        });
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (delegated || !handles(input, format) || gamma == null || input.size(1) != batchMean.length) {
            return fallback.backpropGradient(input, epsilon, shape, gamma, beta, dGammaView, dBetaView, eps, format,
                    workspaceMgr);
        }
        if (epsilon.ordering() != 'c' || !Shape.hasDefaultStridesForShape(epsilon)) {
            epsilon = epsilon.dup('c');
        }
        int n = (int) input.size(0);
        int channels = (int) input.size(1);
        int plane = (int) (input.size(2) * input.size(3));
        double m = (double) n * plane;
        FloatBuffer x = floats(input);
        FloatBuffer dy = floats(epsilon);
        float[] g = gamma.toFloatVector();
        double[] sumDy = new double[channels];
        double[] sumDyX = new double[channels];
        channelSums(dy, x, n, channels, plane, sumDy, sumDyX);
        float[] dGamma = new float[channels];
        float[] dBeta = new float[channels];
        float[] kDy = new float[channels];
        float[] kX = new float[channels];
        float[] k0 = new float[channels];
        for (int c = 0; c < channels; c++) {
            double inv = invStd[c];
            double dg = inv * (sumDyX[c] - batchMean[c] * sumDy[c]);   // sum dy x^
            double db = sumDy[c];
            dGamma[c] = (float) dg;
            dBeta[c] = (float) db;
            double a = g[c] * inv;
            // dx = a dy - (a/m)(db + x^ dg), x^ = (x - mu) inv
            kDy[c] = (float) a;
            kX[c] = (float) (-a / m * dg * inv);
            k0[c] = (float) (-a / m * (db - batchMean[c] * inv * dg));
        }
        INDArray epsAtInput = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
        FloatBuffer dx = floats(epsAtInput);
        forChannelRanges(channels, (from, to) -> {
            for (int image = 0; image < n; image++) {
                for (int c = from; c < to; c++) {
                    int row = (image * channels + c) * plane;
                    float a = kDy[c];
                    float bx = kX[c];
                    float b0 = k0[c];
                    for (int i = row, end = row + plane; i < end; i++) {
                        dx.put(i, dy.get(i) * a + x.get(i) * bx + b0);
                    }
                }
            }
        });
        dGammaView.assign(Nd4j.createFromArray(dGamma).reshape(dGammaView.shape()));
        dBetaView.assign(Nd4j.createFromArray(dBeta).reshape(dBetaView.shape()));
        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        gradient.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(gradient, epsAtInput);
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return delegated ? fallback.getMeanCache(dataType) : meanCache;
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return delegated ? fallback.getVarCache(dataType) : varCache;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Collections.emptyMap();
    }

    /** Per-channel mean and biased variance. */
    static void channelMoments(FloatBuffer in, int n, int channels, int plane, float[] meanOut, float[] varOut) {
        double[] sum = new double[channels];
        double[] sumSq = new double[channels];
        channelSums(in, in, n, channels, plane, sum, sumSq);
        double m = (double) n * plane;
        for (int c = 0; c < channels; c++) {
            double mu = sum[c] / m;
            meanOut[c] = (float) mu;
            varOut[c] = (float) Math.max(0.0, sumSq[c] / m - mu * mu);
        }
    }

    /**
     * Per channel c, adds sum a and sum a·b over the channel's values to {@code sumA[c]} and {@code sumAB[c]}: float
     * sums over each row of H·W values, double sums across rows. (x, x) gives the moments, (dy, x) the backward sums.
     */
    static void channelSums(FloatBuffer a, FloatBuffer b, int n, int channels, int plane, double[] sumA,
                            double[] sumAB) {
        forChannelRanges(channels, (from, to) -> {
            for (int image = 0; image < n; image++) {
                for (int c = from; c < to; c++) {
                    int row = (image * channels + c) * plane;
                    float s = 0;
                    float sp = 0;
                    for (int i = row, end = row + plane; i < end; i++) {
                        float v = a.get(i);
                        s += v;
                        sp += v * b.get(i);
                    }
                    sumA[c] += s;
                    sumAB[c] += sp;
                }
            }
        });
    }

    /** Work on channels {@code [from, to)}; ranges are disjoint, so each writes its own rows and sums. */
    @FunctionalInterface
    interface ChannelRange {
        void run(int from, int to);
    }

    /**
     * Runs {@code body} over all channels, split into as many ranges as ND4J has native threads in this process
     * ({@link Nd4jRuntime#configuredThreads}): a Spark task with one thread runs it on its own thread, a single JVM
     * with two threads uses both, as oneDNN would.
     */
    static void forChannelRanges(int channels, ChannelRange body) {
        int parts = Math.min(channels, Math.max(1, Nd4jRuntime.configuredThreads()));
        if (parts == 1) {
            body.run(0, channels);
            return;
        }
        IntStream.range(0, parts).parallel().forEach(part -> body.run(channels * part / parts,
                channels * (part + 1) / parts));
    }

    private static boolean handles(INDArray x, CNN2DFormat format) {
        return x.rank() == 4 && format == CNN2DFormat.NCHW && x.dataType() == DataType.FLOAT
                && x.ordering() == 'c' && Shape.hasDefaultStridesForShape(x) && x.length() < Integer.MAX_VALUE;
    }

    private void ensureCaches(int channels) {
        if (meanCache == null || meanCache.length() != channels) {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                meanCache = Nd4j.create(DataType.FLOAT, channels);
                varCache = Nd4j.create(DataType.FLOAT, channels);
            }
            batchMean = new float[channels];
        }
    }

    /** The array's values as a buffer whose index 0 is the array's first element (c order, default strides). */
    private static FloatBuffer floats(INDArray array) {
        return PackedArray.nativeBytes(array).asFloatBuffer();
    }
}
