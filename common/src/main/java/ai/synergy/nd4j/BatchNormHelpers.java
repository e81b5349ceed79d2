package ai.synergy.nd4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.Field;
import java.util.Locale;

/**
 * Puts {@link ChannelBatchNormHelper} into the batch-normalization layers of a network on ND4J's CPU backend, in place
 * of DL4J's oneDNN helper. DL4J picks its helpers by backend when it builds a layer and offers no way to choose
 * another, so this sets the layer's helper field; call it on every network that trains or evaluates, after
 * {@code init()}. The system property {@value #PROPERTY} = {@code dl4j} keeps DL4J's own helper (for comparison).
 * {@link #installInference} puts {@link InferenceBatchNormHelper} into the private copies attacks differentiate.
 */
public final class BatchNormHelpers {
    /** {@code channel} (default): {@link ChannelBatchNormHelper}; {@code dl4j}: DL4J's oneDNN helper. */
    public static final String PROPERTY = "synergy.batchnorm";

    private static final Field HELPER_FIELD = helperField();

    private BatchNormHelpers() {
    }

    /** Which implementation {@link #install} puts in: the value of {@value #PROPERTY}, checked. */
    public static String choice() {
        String value = System.getProperty(PROPERTY, "channel").trim().toLowerCase(Locale.ROOT);
        if (!value.equals("channel") && !value.equals("dl4j")) {
            throw new IllegalArgumentException("-D" + PROPERTY + " must be channel or dl4j, got '" + value + "'");
        }
        return value;
    }

    /**
     * Gives every batch-normalization layer of {@code graph} that DL4J equipped with a helper (helpers enabled, CPU
     * backend, gamma and beta learned) a {@link ChannelBatchNormHelper}; returns how many layers it changed.
     */
    public static int install(ComputationGraph graph) {
        if (!Nd4j.getEnvironment().isCPU() || choice().equals("dl4j")) {
            return 0;
        }
        int installed = 0;
        for (Layer layer : graph.getLayers()) {
            if (layer instanceof BatchNormalization bn && bn.getHelper() != null
                    && !(bn.getHelper() instanceof ChannelBatchNormHelper)) {
                DataType type = bn.getParam(BatchNormalizationParamInitializer.GAMMA).dataType();
                setHelper(bn, new ChannelBatchNormHelper(type));
                installed++;
            }
        }
        return installed;
    }

    /**
     * Gives every batch-normalization layer of {@code graph} an {@link InferenceBatchNormHelper}, on any backend, so
     * that its training passes normalise with the running statistics; for private copies that only compute input
     * gradients (never for a network that trains). Returns how many layers it changed.
     */
    public static int installInference(ComputationGraph graph) {
        int installed = 0;
        for (Layer layer : graph.getLayers()) {
            if (layer instanceof BatchNormalization bn) {
                setHelper(bn, new InferenceBatchNormHelper());
                installed++;
            }
        }
        return installed;
    }

    private static void setHelper(BatchNormalization layer, BatchNormalizationHelper helper) {
        try {
            HELPER_FIELD.set(layer, helper);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot set the helper of batch-norm layer "
                    + layer.conf().getLayer().getLayerName(), e);
        }
    }

    private static Field helperField() {
        try {
            Field field = BatchNormalization.class.getDeclaredField("helper");
            field.setAccessible(true);
            return field;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("DL4J's BatchNormalization layer has no 'helper' field: this DL4J version "
                    + "is not the one synergy was built against", e);
        }
    }
}
