package ai.synergy.quantization;

import ai.synergy.config.InvalidInputException;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import ai.synergy.pruning.PrunableLayers;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompactModelTest {

    /** A resnet8 whose conv/dense weights take 16 power-of-two-like values, some pruned zeros and a -0. */
    private static ComputationGraph quantizedNetwork(Set<String> quantized) {
        ModelSpec spec = new ModelSpec(ModelArchitecture.parse("resnet8"), 1, 1, 12, 12, 4, List.of(.5), List.of(.25),
                9);
        ComputationGraph graph = ResNets.create(spec, new OptimizerSpec(.1, .9, 0));
        for (Map.Entry<String, INDArray> e : PrunableLayers.weights(graph).entrySet()) {
            INDArray w = e.getValue();
            double[] v = w.dup('c').data().asDouble();
            for (int i = 0; i < v.length; i++) {
                int k = (int) Math.min(7, Math.max(0, Math.round(-Math.log(Math.abs(v[i]) + 1e-9) / Math.log(2)) - 1));
                v[i] = i % 5 == 0 ? 0 : Math.signum(v[i]) * Math.pow(2, -k);
            }
            v[1] = -0.0;
            w.assign(Nd4j.create(v, w.shape(), 'c').castTo(w.dataType()));
            quantized.add(e.getKey() + "_W");
        }
        return graph;
    }

    @Test
    void roundTripsEveryParameterBitForBitAndReportsTheCompression() throws Exception {
        Set<String> quantized = new TreeSet<>();
        ComputationGraph graph = quantizedNetwork(quantized);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CompactModel.Report report = CompactModel.write(graph, quantized, bytes);

        ComputationGraph back = CompactModel.read(new ByteArrayInputStream(bytes.toByteArray()), "test.zip");
        Map<String, INDArray> expected = graph.paramTable();
        back.paramTable().forEach((name, actual) -> {
            int[] a = bits(actual);
            int[] b = bits(expected.get(name));
            assertThat(a).as(name).isEqualTo(b);
        });
        assertThat(back.getConfiguration()).isEqualTo(graph.getConfiguration());

        // 17 values (+-2^-k for k = 0..7, 0, and -0 as its own code) -> 5 bits each instead of 32
        CompactModel.Entry stem = report.entries().stream().filter(e -> e.name().equals("stem_conv_W")).findFirst()
                .orElseThrow();
        assertThat(stem.bits()).isBetween(4, 5);
        assertThat(stem.codebook()).contains(-0.0, 0.0);
        assertThat(report.denseBytes()).isEqualTo(4 * graph.numParams());
        assertThat(report.compression()).isGreaterThan(4);
        assertThat(bytes.size()).isLessThan((int) report.denseBytes() / 3);
    }

    @Test
    void aFileThatIsNotACompactModelIsNamedInTheError() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(bytes)) {
            zip.putNextEntry(new java.util.zip.ZipEntry("other.txt"));
            zip.write(1);
        }
        assertThatThrownBy(() -> CompactModel.read(new ByteArrayInputStream(bytes.toByteArray()), "runs/q/x.zip"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("runs/q/x.zip")
                .hasMessageContaining("not a compact model");
    }

    private static int[] bits(INDArray a) {
        float[] v = a.dup('c').data().asFloat();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Float.floatToRawIntBits(v[i]);
        }
        return out;
    }
}
