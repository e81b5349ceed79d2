package ai.synergy.nd4j;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The shape of one 2-D convolution over NCHW data (no dilation): input [n, c, h, w], weights [co, c, kh, kw] (DL4J's
 * layout), output [n, co, oh, ow], strides, and the zero padding on each side. DL4J gives a layer's helper the top
 * and left padding only; the bottom and right padding follow from the output size, which DL4J derives from the mode:
 * {@code Same} gives oh = ceil(h / sh) with the total padding (oh - 1) sh + kh - h split top-first (one more row at
 * the bottom when it is odd, as TensorFlow's "SAME"), {@code Truncate} gives oh = floor((h + 2 pad - kh) / sh) + 1,
 * which may leave input rows unused (negative bottom padding).
 *
 * @param padBottom rows of zeros below the input; negative when the last rows do not reach any output
 * @param padRight  columns of zeros right of the input; negative as {@code padBottom}
 */
public record ConvGeometry(int n, int c, int h, int w, int co, int kh, int kw, int sh, int sw, int padTop,
                           int padLeft, int padBottom, int padRight, int oh, int ow) {

    /**
     * The geometry DL4J's {@code ConvolutionLayer} means when it calls its helper with these arguments (NCHW input,
     * [co, c, kh, kw] weights, the layer's kernel, strides, top-left padding, mode and dilation 1).
     */
    public static ConvGeometry of(INDArray input, INDArray weights, int[] kernel, int[] strides, int[] pad,
                                  ConvolutionMode mode) {
        int[] out = ConvolutionUtils.getOutputSize(input, kernel, strides, mode == ConvolutionMode.Same ? null : pad,
                mode, new int[]{1, 1}, CNN2DFormat.NCHW);
        int h = (int) input.size(2);
        int w = (int) input.size(3);
        int padBottom = (out[0] - 1) * strides[0] + kernel[0] - h - pad[0];
        int padRight = (out[1] - 1) * strides[1] + kernel[1] - w - pad[1];
        return new ConvGeometry((int) input.size(0), (int) input.size(1), h, w, (int) weights.size(0), kernel[0],
                kernel[1], strides[0], strides[1], pad[0], pad[1], padBottom, padRight, out[0], out[1]);
    }

    /** Multiply-adds of the forward convolution: n co oh ow c kh kw (each backward product has as many). */
    public long macs() {
        return (long) n * co * oh * ow * c * kh * kw;
    }

    /** Input shape [n, c, h, w]. */
    public long[] inputShape() {
        return new long[]{n, c, h, w};
    }

    /** Weight shape [co, c, kh, kw]. */
    public long[] weightShape() {
        return new long[]{co, c, kh, kw};
    }

    /** Output shape [n, co, oh, ow]. */
    public long[] outputShape() {
        return new long[]{n, co, oh, ow};
    }

    /** e.g. {@code 8x64x56x56 -> 64 k3x3 s1 p1/1}. */
    public String describe() {
        return n + "x" + c + "x" + h + "x" + w + " -> " + co + " k" + kh + "x" + kw + " s" + sh
                + (sh == sw ? "" : "x" + sw) + " p" + padTop + "/" + padBottom
                + (padLeft == padTop && padRight == padBottom ? "" : "," + padLeft + "/" + padRight);
    }
}
