package ai.synergy.training;

import ai.synergy.config.InvalidSettingException;

import java.util.Locale;

/** Which incremental quantization a {@code quantize} run performs (docs/methods.md sections 3 and 4). */
public enum QuantizationMethod {
    /** INQ: power-of-two codebook, weight partition by magnitude (or at random), Zhou et al. 2017. */
    INQ,
    /** SLQ: k-means codebook per layer with c0 = 0, cluster partition, Xu et al. 2018. */
    SLQ,
    /** MLQ: ternary codebook per layer, layers quantized stage by stage while the others compensate. */
    MLQ;

    /** Parses a {@code --method} value. */
    public static QuantizationMethod parse(String value) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException("method", ": unknown method '" + value + "'; accepted: inq, slq, mlq");
        }
    }
}
