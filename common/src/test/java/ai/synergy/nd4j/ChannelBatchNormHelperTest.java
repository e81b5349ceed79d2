package ai.synergy.nd4j;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Batch norm on contiguous channel rows against hand-computed values and a double-precision reference. */
class ChannelBatchNormHelperTest {
    private static final double EPS = 1e-5;
    private static final LayerWorkspaceMgr NO_WS = LayerWorkspaceMgr.noWorkspaces();

    @Test
    void oneChannelByHand() {
        // m = 4 values, mean 3, biased variance 3.5; gamma 2, beta 1; dy chosen freely.
        INDArray x = Nd4j.createFromArray(1f, 2f, 3f, 6f).reshape(2, 1, 1, 2);
        INDArray dy = Nd4j.createFromArray(0.5f, -1f, 2f, 0.25f).reshape(2, 1, 1, 2);
        INDArray gamma = Nd4j.createFromArray(2f).reshape(1, 1);
        INDArray beta = Nd4j.createFromArray(1f).reshape(1, 1);
        ChannelBatchNormHelper helper = new ChannelBatchNormHelper(DataType.FLOAT);

        INDArray y = helper.preOutput(x, true, x.shape(), gamma, beta, null, null, 0.9, EPS, CNN2DFormat.NCHW, NO_WS);
        assertThat(flat(y)).containsExactly(new double[]{-1.1380869, -0.0690434, 1.0, 4.2071303},
                within(1e-5));
        assertThat(helper.getMeanCache(DataType.FLOAT).getDouble(0)).isCloseTo(3.0, within(1e-6));
        assertThat(helper.getVarCache(DataType.FLOAT).getDouble(0)).isCloseTo(3.5, within(1e-6));

        INDArray dGamma = Nd4j.create(DataType.FLOAT, 1, 1);
        INDArray dBeta = Nd4j.create(DataType.FLOAT, 1, 1);
        Pair<Gradient, INDArray> back = helper.backpropGradient(x, dy, x.shape(), gamma, beta, dGamma, dBeta, EPS,
                CNN2DFormat.NCHW, NO_WS);
        assertThat(dBeta.getDouble(0)).isCloseTo(1.75, within(1e-6));
        assertThat(dGamma.getDouble(0)).isCloseTo(0.4008913, within(1e-6));
        assertThat(flat(back.getSecond()))
                .containsExactly(new double[]{0.1813553, -1.4794799, 1.6703804, -0.3722557}, within(1e-5));
        assertThat(back.getFirst().getGradientFor("gamma")).isSameAs(dGamma);
    }

    @Test
    void trainingAndInferenceMatchADoubleReferenceOnAViewWithAnOffset() {
        Nd4j.getRandom().setSeed(7);
        INDArray big = Nd4j.randn(DataType.FLOAT, 6, 3, 5, 5).muli(1.5).addi(0.7);
        INDArray x = big.get(NDArrayIndex.interval(2, 6), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
        assertThat(x.offset()).as("the input is a view into a larger buffer").isGreaterThan(0);
        INDArray dy = Nd4j.randn(DataType.FLOAT, 4, 3, 5, 5);
        INDArray gamma = Nd4j.createFromArray(0.5f, 1.5f, -2f).reshape(1, 3);
        INDArray beta = Nd4j.createFromArray(0.1f, -0.2f, 0.3f).reshape(1, 3);
        Reference ref = new Reference(x.dup(), dy, gamma.toDoubleVector(), beta.toDoubleVector());

        ChannelBatchNormHelper helper = new ChannelBatchNormHelper(DataType.FLOAT);
        INDArray y = helper.preOutput(x, true, x.shape(), gamma, beta, null, null, 0.9, EPS, CNN2DFormat.NCHW, NO_WS);
        assertThat(flat(y)).containsExactly(ref.y, within(2e-5));
        assertThat(helper.getMeanCache(DataType.FLOAT).toDoubleVector()).containsExactly(ref.mean, within(1e-5));
        assertThat(helper.getVarCache(DataType.FLOAT).toDoubleVector()).containsExactly(ref.var, within(1e-5));

        INDArray dGamma = Nd4j.create(DataType.FLOAT, 1, 3);
        INDArray dBeta = Nd4j.create(DataType.FLOAT, 1, 3);
        INDArray dx = helper.backpropGradient(x, dy, x.shape(), gamma, beta, dGamma, dBeta, EPS, CNN2DFormat.NCHW,
                NO_WS).getSecond();
        assertThat(dGamma.toDoubleVector()).containsExactly(ref.dGamma, within(1e-4));
        assertThat(dBeta.toDoubleVector()).containsExactly(ref.dBeta, within(1e-4));
        assertThat(flat(dx)).containsExactly(ref.dx, within(1e-5));

        INDArray globalMean = Nd4j.createFromArray(0.2f, -0.1f, 0.4f).reshape(1, 3);
        INDArray globalVar = Nd4j.createFromArray(2f, 0.5f, 1f).reshape(1, 3);
        INDArray inference = helper.preOutput(x, false, x.shape(), gamma, beta, globalMean, globalVar, 0.9, EPS,
                CNN2DFormat.NCHW, NO_WS);
        assertThat(flat(inference)).containsExactly(
                ref.normalize(globalMean.toDoubleVector(), globalVar.toDoubleVector()), within(2e-5));
        assertThat(helper.getMeanCache(DataType.FLOAT).toDoubleVector())
                .as("inference leaves the batch statistics alone").containsExactly(ref.mean, within(1e-5));
    }

    @Test
    void nhwcAndDoubleInputsGoToDl4jsOneDnnHelperWithTheirStatistics() {
        INDArray nhwc = Nd4j.rand(DataType.FLOAT, 2, 4, 4, 3);
        INDArray gamma = Nd4j.ones(DataType.FLOAT, 1, 3);
        INDArray beta = Nd4j.zeros(DataType.FLOAT, 1, 3);
        ChannelBatchNormHelper helper = new ChannelBatchNormHelper(DataType.FLOAT);
        MKLDNNBatchNormHelper oneDnn = new MKLDNNBatchNormHelper(DataType.FLOAT);
        INDArray ours = helper.preOutput(nhwc, true, nhwc.shape(), gamma, beta, null, null, 0.9, EPS,
                CNN2DFormat.NHWC, NO_WS);
        INDArray theirs = oneDnn.preOutput(nhwc, true, nhwc.shape(), gamma, beta, null, null, 0.9, EPS,
                CNN2DFormat.NHWC, NO_WS);
        assertThat(flat(ours)).containsExactly(flat(theirs), within(1e-6));
        assertThat(helper.getMeanCache(DataType.FLOAT).toDoubleVector())
                .containsExactly(oneDnn.getMeanCache(DataType.FLOAT).toDoubleVector(), within(1e-6));

        INDArray doubles = Nd4j.rand(DataType.DOUBLE, 2, 3, 4, 4);
        assertThat(helper.preOutput(doubles, true, doubles.shape(), gamma.castTo(DataType.DOUBLE),
                beta.castTo(DataType.DOUBLE), null, null, 0.9, EPS, CNN2DFormat.NCHW, NO_WS))
                .as("oneDNN takes float only, so DL4J's built-in implementation runs").isNull();
    }

    @Test
    void twoThreadsGiveTheSameBitsAsOne() {
        INDArray x = Nd4j.randn(DataType.FLOAT, 3, 5, 4, 4);
        INDArray dy = Nd4j.randn(DataType.FLOAT, 3, 5, 4, 4);
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 1, 5);
        INDArray beta = Nd4j.rand(DataType.FLOAT, 1, 5);
        INDArray[] outputs = new INDArray[4];
        int before = Math.max(1, Nd4jRuntime.configuredThreads());
        try {
            for (int threads = 1; threads <= 2; threads++) {
                Nd4jRuntime.configureThreads(threads);
                ChannelBatchNormHelper helper = new ChannelBatchNormHelper(DataType.FLOAT);
                outputs[2 * threads - 2] = helper.preOutput(x, true, x.shape(), gamma, beta, null, null, 0.9, EPS,
                        CNN2DFormat.NCHW, NO_WS);
                outputs[2 * threads - 1] = helper.backpropGradient(x, dy, x.shape(), gamma, beta,
                        Nd4j.create(DataType.FLOAT, 1, 5), Nd4j.create(DataType.FLOAT, 1, 5), EPS, CNN2DFormat.NCHW,
                        NO_WS).getSecond();
            }
        } finally {
            Nd4jRuntime.configureThreads(before);
        }
        assertThat(outputs[2]).isEqualTo(outputs[0]);
        assertThat(outputs[3]).isEqualTo(outputs[1]);

        int[] seen = new int[7];
        Nd4jRuntime.configureThreads(2);
        try {
            ChannelBatchNormHelper.forChannelRanges(7, (from, to) -> {
                for (int c = from; c < to; c++) {
                    seen[c]++;
                }
            });
        } finally {
            Nd4jRuntime.configureThreads(before);
        }
        assertThat(seen).containsOnly(1);
    }

    private static double[] flat(INDArray array) {
        return array.dup('c').reshape(array.length()).toDoubleVector();
    }

    /** Batch norm of section 3 of Ioffe & Szegedy (2015), in double, for [N, C, H, W] arrays. */
    private static final class Reference {
        final double[] x;
        final int n;
        final int c;
        final int plane;
        final double[] gamma;
        final double[] beta;
        final double[] mean;
        final double[] var;
        final double[] y;
        final double[] dGamma;
        final double[] dBeta;
        final double[] dx;

        Reference(INDArray input, INDArray dyArray, double[] gamma, double[] beta) {
            this.x = flat(input);
            this.n = (int) input.size(0);
            this.c = (int) input.size(1);
            this.plane = (int) (input.size(2) * input.size(3));
            this.gamma = gamma;
            this.beta = beta;
            double[] dy = flat(dyArray);
            double m = (double) n * plane;
            mean = new double[c];
            var = new double[c];
            for (int i = 0; i < x.length; i++) {
                mean[channel(i)] += x[i] / m;
            }
            for (int i = 0; i < x.length; i++) {
                var[channel(i)] += (x[i] - mean[channel(i)]) * (x[i] - mean[channel(i)]) / m;
            }
            y = normalize(mean, var);
            dGamma = new double[c];
            dBeta = new double[c];
            for (int i = 0; i < x.length; i++) {
                int k = channel(i);
                dBeta[k] += dy[i];
                dGamma[k] += dy[i] * (x[i] - mean[k]) / Math.sqrt(var[k] + EPS);
            }
            dx = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                int k = channel(i);
                double inv = 1 / Math.sqrt(var[k] + EPS);
                double xHat = (x[i] - mean[k]) * inv;
                dx[i] = gamma[k] * inv / m * (m * dy[i] - dBeta[k] - xHat * dGamma[k]);
            }
        }

        double[] normalize(double[] mu, double[] variance) {
            double[] out = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                int k = channel(i);
                out[i] = gamma[k] * (x[i] - mu[k]) / Math.sqrt(variance[k] + EPS) + beta[k];
            }
            return out;
        }

        private int channel(int i) {
            return (i / plane) % c;
        }
    }
}
