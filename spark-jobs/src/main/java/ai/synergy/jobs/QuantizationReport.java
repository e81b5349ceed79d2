package ai.synergy.jobs;

import ai.synergy.quantization.Codebooks;
import ai.synergy.quantization.CompactModel;
import ai.synergy.training.QuantizationMethod;
import ai.synergy.training.QuantizationRounds;
import ai.synergy.training.QuantizeConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code quantization.json}: per quantized layer its distinct values and bits per code, and the size of the compact
 * export against float32.
 *
 * @param layers       one row per quantized layer
 * @param denseBytes   every parameter as float32
 * @param compactBytes the compact export's parameters (codes, codebooks, plain arrays)
 * @param compression  denseBytes / compactBytes
 */
record QuantizationReport(List<Layer> layers, long denseBytes, long compactBytes, double compression) {

    /**
     * One quantized layer.
     *
     * @param layer    DL4J layer name
     * @param weights  weights in the layer
     * @param distinct distinct weight values (the codebook actually used)
     * @param bits     bits per code in the compact export
     */
    record Layer(String layer, long weights, int distinct, int bits) {
    }

    static QuantizationReport of(CompactModel.Report report, Map<String, INDArray> weights, List<String> layers) {
        List<Layer> rows = new ArrayList<>();
        for (String layer : layers) {
            CompactModel.Entry entry = report.entries().stream().filter(e -> e.name().equals(layer + "_W"))
                    .findFirst().orElseThrow();
            rows.add(new Layer(layer, weights.get(layer).length(), entry.codebook().length, entry.bits()));
        }
        return new QuantizationReport(rows, report.denseBytes(), report.compactBytes(), report.compression());
    }

    /**
     * Checks a finished layer: at most 2^(b-1) + 1 distinct values (3 for MLQ), all in the INQ codebook for INQ.
     *
     * @throws IllegalStateException when the run left a weight outside its codebook (a bug, never bad input)
     */
    static void check(String layer, INDArray w, QuantizationRounds rounds, QuantizeConfig config) {
        int limit = config.method() == QuantizationMethod.MLQ ? 3 : (1 << (config.bits() - 1)) + 1;
        int distinct = Codebooks.distinctCount(w);
        if (distinct > limit) {
            throw new IllegalStateException("layer " + layer + " ended with " + distinct + " distinct values, more "
                    + "than " + limit);
        }
        double[] codebook = rounds.inqCodebook(layer);
        if (codebook != null && !Codebooks.allInCodebook(w, codebook)) {
            throw new IllegalStateException("layer " + layer + " has a weight outside its INQ codebook at flat index "
                    + Codebooks.firstOutside(w, codebook));
        }
    }
}
