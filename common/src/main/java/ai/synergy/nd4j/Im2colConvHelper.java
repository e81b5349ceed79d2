package ai.synergy.nd4j;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collections;
import java.util.Map;

/**
 * The other route measured for issue 20 (bench/results/conv-path.md), kept selectable for comparison
 * ({@code -Dsynergy.conv=im2col}): a convolution as im2col and one large GEMM per layer and pass through ND4J
 * (libnd4j's im2col/col2im ops, OpenBLAS's SGEMM/DGEMM), with the columns in the layout [c kh kw, n oh ow] so that
 * every product is a single GEMM over the whole minibatch (Chellapilla et al., "High Performance Convolutional Neural
 * Networks for Document Processing", 2006): Y = W X_col, dW = dY X_col^T, dX = col2im(W^T dY), db = sum dY, with W
 * the weights as [co, c kh kw] and Y, dY as [co, n oh ow]. Float and double, NCHW, dilation 1; other inputs return
 * null, which sends DL4J to its built-in path. The column matrix is built again in the backward pass (no cache).
 */
public final class Im2colConvHelper extends OwnConvolutionHelper {
    /** @param hasBias whether the layer has a bias (DL4J hands helpers a zero bias otherwise) */
    public Im2colConvHelper(boolean hasBias) {
        super(hasBias);
    }

    @Override
    public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
                              AlgoMode mode, FwdAlgo fwdAlgo, ConvolutionMode convolutionMode, int[] dilation,
                              CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!supported(input, weights, dilation, format)) {
            return null;
        }
        ConvGeometry g = ConvGeometry.of(input, weights, kernel, strides, pad, convolutionMode);
        DataType type = input.dataType();
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, type, g.outputShape(), 'c');
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            INDArray col = columns(input, g, convolutionMode);
            INDArray y = Nd4j.gemm(weights2d(weights, g), col, false, false);      // [co, n oh ow]
            if (hasBias) {
                y.addiColumnVector(bias.reshape(g.co(), 1));
            }
            out.assign(y.reshape('c', g.co(), g.n(), g.oh(), g.ow()).permute(1, 0, 2, 3));
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta,
                                                     int[] kernel, int[] strides, int[] pad, INDArray biasGradView,
                                                     INDArray weightGradView, IActivation afn, AlgoMode mode,
                                                     BwdFilterAlgo bwdFilterAlgo, BwdDataAlgo bwdDataAlgo,
                                                     ConvolutionMode convolutionMode, int[] dilation,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!supported(input, weights, dilation, format)) {
            return null;
        }
        ConvGeometry g = ConvGeometry.of(input, weights, kernel, strides, pad, convolutionMode);
        DataType type = input.dataType();
        INDArray epsNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, type, g.inputShape(), 'c');
        int k = g.c() * g.kh() * g.kw();
        long pixels = (long) g.n() * g.oh() * g.ow();
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            INDArray dy = Nd4j.createUninitialized(type, new long[]{g.co(), g.n(), g.oh(), g.ow()}, 'c');
            dy.assign(delta.permute(1, 0, 2, 3));
            INDArray dy2d = dy.reshape('c', g.co(), pixels);
            INDArray col = columns(input, g, convolutionMode);
            INDArray dw = weightGradView.reshape('c', g.co(), k);
            Nd4j.gemm(dy2d, col, dw, false, true, 1.0, 0.0);
            if (hasBias) {
                dy2d.sum(biasGradView.reshape(1, g.co()), 1);
            }
            INDArray dCol = Nd4j.gemm(weights2d(weights, g), dy2d, true, false);      // [c kh kw, n oh ow]
            INDArray dCol6 = dCol.reshape('c', g.c(), g.kh(), g.kw(), g.n(), g.oh(), g.ow()).permute(3, 0, 1, 2, 4, 5);
            Convolution.col2im(dCol6, epsNext, g.sh(), g.sw(), g.padTop(), g.padLeft(), g.h(), g.w(), 1, 1);
        }
        return gradients(biasGradView, weightGradView, epsNext);
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Collections.emptyMap();
    }

    private static boolean supported(INDArray input, INDArray weights, int[] dilation, CNN2DFormat format) {
        return format == CNN2DFormat.NCHW && input.rank() == 4 && input.dataType() == weights.dataType()
                && (input.dataType() == DataType.FLOAT || input.dataType() == DataType.DOUBLE)
                && (dilation == null || (dilation[0] == 1 && dilation[1] == 1));
    }

    /**
     * The columns [c kh kw, n oh ow]: libnd4j's im2col writes [n, c, kh, kw, oh, ow] into a permuted view. It checks
     * the output size against symmetric padding unless told the mode is Same, in which case it derives DL4J's
     * top-left padding itself.
     */
    private static INDArray columns(INDArray input, ConvGeometry g, ConvolutionMode mode) {
        INDArray col = Nd4j.createUninitialized(input.dataType(),
                new long[]{g.c(), g.kh(), g.kw(), g.n(), g.oh(), g.ow()}, 'c');
        Convolution.im2col(input, g.kh(), g.kw(), g.sh(), g.sw(), g.padTop(), g.padLeft(), 1, 1,
                mode == ConvolutionMode.Same,
                col.permute(3, 0, 1, 2, 4, 5));
        return col.reshape('c', (long) g.c() * g.kh() * g.kw(), (long) g.n() * g.oh() * g.ow());
    }

    private static INDArray weights2d(INDArray weights, ConvGeometry g) {
        return weights.reshape('c', g.co(), (long) g.c() * g.kh() * g.kw());
    }
}
