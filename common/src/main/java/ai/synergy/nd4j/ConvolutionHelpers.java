package ai.synergy.nd4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;
import java.util.Locale;

/**
 * Puts our convolution helper into the 2-D convolution layers of a network on ND4J's CPU backend, in place of DL4J's
 * {@code MKLDNNConvHelper}, as {@link BatchNormHelpers} does for batch norm: DL4J picks its helpers when it builds a
 * layer and offers no way to choose another, so this sets the layer's helper field. Call it on every network that
 * trains or evaluates, after {@code init()} ({@link LayerHelpers#install} does both helpers). The system property
 * {@value #PROPERTY} chooses: {@code onednn} (default, {@link OneDnnConvHelper}), {@code im2col}
 * ({@link Im2colConvHelper}, for comparison) or {@code dl4j} (DL4J's own helper).
 */
public final class ConvolutionHelpers {
    /** {@code onednn} (default), {@code im2col} or {@code dl4j}. */
    public static final String PROPERTY = "synergy.conv";

    private static final Logger LOG = LoggerFactory.getLogger(ConvolutionHelpers.class);
    private static final Field HELPER_FIELD = helperField();
    private static volatile boolean oneDnnBroken;

    private ConvolutionHelpers() {
    }

    /** Which implementation {@link #install} puts in: the value of {@value #PROPERTY}, checked. */
    public static String choice() {
        String value = System.getProperty(PROPERTY, "onednn").trim().toLowerCase(Locale.ROOT);
        if (!value.equals("onednn") && !value.equals("im2col") && !value.equals("dl4j")) {
            throw new IllegalArgumentException("-D" + PROPERTY + " must be onednn, im2col or dl4j, got '" + value + "'");
        }
        return value;
    }

    /**
     * Gives every convolution layer of {@code graph} that DL4J equipped with a helper (helpers enabled, CPU backend)
     * the helper {@link #choice} names; returns how many layers it changed. Subclasses of the convolution layer
     * (1-D, depthwise, separable, deconvolution) keep theirs. If oneDNN's library cannot be loaded, says so once and
     * leaves DL4J's helpers in place.
     */
    public static int install(ComputationGraph graph) {
        String choice = choice();
        if (!Nd4j.getEnvironment().isCPU() || choice.equals("dl4j") || (choice.equals("onednn") && !oneDnnLoads())) {
            return 0;
        }
        int installed = 0;
        for (Layer layer : graph.getLayers()) {
            if (layer.getClass() == ConvolutionLayer.class && ((ConvolutionLayer) layer).getHelper() != null) {
                ConvolutionLayer conv = (ConvolutionLayer) layer;
                ConvolutionHelper current = (ConvolutionHelper) conv.getHelper();
                org.deeplearning4j.nn.conf.layers.ConvolutionLayer conf =
                        (org.deeplearning4j.nn.conf.layers.ConvolutionLayer) conv.conf().getLayer();
                ConvolutionHelper helper = choice.equals("onednn")
                        ? (current instanceof OneDnnConvHelper ? null
                        : new OneDnnConvHelper(conf.getLayerName(), conf.hasBias(), conv.getParam("W").dataType()))
                        : (current instanceof Im2colConvHelper ? null : new Im2colConvHelper(conf.hasBias()));
                if (helper == null) {
                    continue;
                }
                try {
                    HELPER_FIELD.set(conv, helper);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("cannot set the helper of convolution layer " + conf.getLayerName(),
                            e);
                }
                installed++;
            }
        }
        return installed;
    }

    /** True when oneDNN's native library loads here (once per JVM; a failure is logged once). */
    static boolean oneDnnLoads() {
        if (oneDnnBroken) {
            return false;
        }
        try {
            OneDnnConvolution.Engine.CPU.get_kind();
            return true;
        } catch (Throwable t) {
            oneDnnBroken = true;
            LOG.warn("oneDNN (org.bytedeco:dnnl) does not load here; convolutions keep DL4J's helper: {}", t.toString());
            return false;
        }
    }

    private static Field helperField() {
        try {
            Field field = ConvolutionLayer.class.getDeclaredField("helper");
            field.setAccessible(true);
            return field;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("DL4J's ConvolutionLayer has no 'helper' field: this DL4J version is not "
                    + "the one synergy was built against", e);
        }
    }
}
