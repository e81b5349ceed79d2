package ai.synergy.nd4j;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A DL4J convolution helper that runs float NCHW convolutions (any kernel, stride and padding, dilation 1,
 * {@code Same}, {@code Truncate} or {@code Strict} mode) through oneDNN with primitives created once per input shape
 * ({@link OneDnnConvolution}), in place of DL4J's {@code MKLDNNConvHelper}, whose libnd4j op re-creates its
 * primitives and reorders on every call. Everything else (NHWC, double or half precision, dilation) goes to that
 * helper, or, where it declines too, to DL4J's built-in im2col path; each such case is logged once per layer and
 * reason. The activation stays outside (DL4J applies it and its derivative around the helper), as with DL4J's own
 * helpers.
 *
 * <p>Outputs are allocated where DL4J's helpers put them: the forward result in the layer's {@code ACTIVATIONS}
 * workspace, the input gradient in {@code ACTIVATION_GRAD}; the parameter gradients are written into DL4J's gradient
 * views. The primitives of the last {@value #MAX_SHAPES} input shapes are kept (a training batch, an evaluation batch,
 * a last smaller batch); older ones are closed.
 */
public final class OneDnnConvHelper extends OwnConvolutionHelper {
    private static final Logger LOG = LoggerFactory.getLogger(OneDnnConvHelper.class);
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();
    /** Input shapes whose primitives a helper keeps. */
    static final int MAX_SHAPES = 4;

    private final String layerName;
    private final MKLDNNConvHelper fallback;
    private final Map<ConvGeometry, OneDnnConvolution> plans = new LinkedHashMap<>(8, 0.75f, true);

    /**
     * @param layerName the layer's name (for the log)
     * @param hasBias   whether the layer has a bias: without one DL4J still hands a helper a zero bias and a scratch
     *                  gradient for it, which this helper then ignores
     * @param dataType  the network's data type (for the fallback helper)
     */
    public OneDnnConvHelper(String layerName, boolean hasBias, DataType dataType) {
        super(hasBias);
        this.layerName = layerName;
        this.fallback = BaseMKLDNNHelper.mklDnnEnabled() ? new MKLDNNConvHelper(dataType) : null;
    }

    @Override
    public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
                              AlgoMode mode, FwdAlgo fwdAlgo, ConvolutionMode convolutionMode, int[] dilation,
                              CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        String unsupported = unsupported(input, weights, dilation, format);
        if (unsupported != null) {
            fallingBack(unsupported);
            return fallback == null ? null : fallback.preOutput(input, weights, bias, kernel, strides, pad, mode,
                    fwdAlgo, convolutionMode, dilation, format, workspaceMgr);
        }
        ConvGeometry g = ConvGeometry.of(input, weights, kernel, strides, pad, convolutionMode);
        OneDnnConvolution plan = plan(g);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, g.outputShape(), 'c');
        plan.forward(plain(input), plain(weights), hasBias ? plain(bias) : null, out);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta,
                                                     int[] kernel, int[] strides, int[] pad, INDArray biasGradView,
                                                     INDArray weightGradView, IActivation afn, AlgoMode mode,
                                                     BwdFilterAlgo bwdFilterAlgo, BwdDataAlgo bwdDataAlgo,
                                                     ConvolutionMode convolutionMode, int[] dilation,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        String unsupported = unsupported(input, weights, dilation, format);
        if (unsupported == null && !isPlain(weightGradView)) {
            unsupported = "a weight-gradient view with odd strides";
        }
        if (unsupported != null) {
            fallingBack(unsupported);
            return fallback == null ? null : fallback.backpropGradient(input, weights, bias, delta, kernel, strides,
                    pad, hasBias ? biasGradView : null, weightGradView, afn, mode, bwdFilterAlgo, bwdDataAlgo,
                    convolutionMode, dilation, format, workspaceMgr);
        }
        ConvGeometry g = ConvGeometry.of(input, weights, kernel, strides, pad, convolutionMode);
        OneDnnConvolution plan = plan(g);
        INDArray epsNext = plan.cropsInput()
                ? workspaceMgr.create(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, g.inputShape(), 'c')
                : workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, g.inputShape(), 'c');
        INDArray biasGrad = hasBias ? biasGradView : null;
        if (biasGrad != null && !isPlain(biasGrad)) {
            throw new IllegalStateException("bias gradient view with odd strides: " + biasGrad.shapeInfoToString());
        }
        plan.backward(plain(input), plain(weights), plain(delta), epsNext, weightGradView, biasGrad);
        return gradients(biasGradView, weightGradView, epsNext);
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        long bytes = 0;
        for (OneDnnConvolution plan : plans.values()) {
            bytes = Math.max(bytes, plan.scratchBytes());
        }
        return Collections.singletonMap("scratchPerThread", bytes);
    }

    /** Input shapes this helper holds primitives for (at most {@value #MAX_SHAPES}). */
    int cachedShapes() {
        return plans.size();
    }

    /** What the helpers have logged as falling back so far in this JVM ("layer: reason"), for tests. */
    static Set<String> fallbacksLogged() {
        return Set.copyOf(LOGGED.stream().filter(m -> !m.startsWith("impl ")).toList());
    }

    /** Why this call goes to the fallback, or null when oneDNN here takes it. */
    static String unsupported(INDArray input, INDArray weights, int[] dilation, CNN2DFormat format) {
        if (format != CNN2DFormat.NCHW) {
            return "data format " + format;
        }
        if (input.dataType() != DataType.FLOAT || weights.dataType() != DataType.FLOAT) {
            return "data type " + input.dataType();
        }
        if (input.rank() != 4) {
            return "rank " + input.rank() + " input";
        }
        if (dilation != null && (dilation[0] != 1 || dilation[1] != 1)) {
            return "dilation " + Arrays.toString(dilation);
        }
        return null;
    }

    private OneDnnConvolution plan(ConvGeometry g) {
        OneDnnConvolution plan = plans.get(g);
        if (plan == null) {
            plan = new OneDnnConvolution(g, hasBias);
            plans.put(g, plan);
            if (plans.size() > MAX_SHAPES) {
                var eldest = plans.entrySet().iterator().next();
                eldest.getValue().close();
                plans.remove(eldest.getKey());
            }
            if (LOGGED.add("impl " + g.describe())) {
                LOG.debug("oneDNN convolution {}: {}", g.describe(), plan.implementation());
            }
        }
        return plan;
    }

    private void fallingBack(String reason) {
        if (LOGGED.add(layerName + ": " + reason)) {
            LOG.info("Convolution layer {}: {} is not covered by the oneDNN convolution helper; it runs on {}",
                    layerName, reason, fallback == null ? "DL4J's built-in path" : "DL4J's MKLDNNConvHelper");
        }
    }

    private static INDArray plain(INDArray array) {
        return isPlain(array) ? array : array.dup('c');
    }

    private static boolean isPlain(INDArray array) {
        return OneDnnConvolution.isDenseC(array);
    }
}
