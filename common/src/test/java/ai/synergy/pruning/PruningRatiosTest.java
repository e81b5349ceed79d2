package ai.synergy.pruning;

import ai.synergy.config.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PruningRatiosTest {
    private static final String FLAG = "--prune-ratio";

    @Test
    void aNumberIsOneRatioForEveryLayer() {
        PruningRatios r = PruningRatios.fromFlag(FLAG, "0.9");
        assertThat(r).isEqualTo(PruningRatios.uniform(.9));
        assertThat(r.ratioFor("s1_b1_1_conv")).isEqualTo(.9);
        assertThat(PruningRatios.fromFlag(FLAG, ".9375").defaultRatio()).isEqualTo(.9375);
    }

    @Test
    void aFileGivesPerLayerRatiosAndADefault(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ratios.txt");
        Files.writeString(file, """
                # LeNet, docs/methods.md section 2
                conv1 0.8
                conv2\t0.947   # tab separated

                fc1 .99
                * 0.93
                """);
        PruningRatios r = PruningRatios.fromFlag(FLAG, file.toString());
        assertThat(r.perLayer()).containsExactly(Map.entry("conv1", .8), Map.entry("conv2", .947),
                Map.entry("fc1", .99));
        assertThat(r.defaultRatio()).isEqualTo(.93);
        assertThat(r.ratioFor("fc2")).isEqualTo(.93);
        assertThat(PruningRatios.parse("conv1 .5", "x").defaultRatio()).isEqualTo(0.0);
    }

    @Test
    void errorsNameTheFileAndLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.txt");
        Files.writeString(file, "conv1 0.5\n\nconv2 1.0\n");
        assertThatThrownBy(() -> PruningRatios.fromFlag(FLAG, file.toString()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(file + " line 3: conv2: ratio must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> PruningRatios.parse("conv1 -0.1", "r.txt")).isInstanceOf(InvalidInputException.class)
                .hasMessage("r.txt line 1: conv1: ratio must be in [0, 1), got -0.1");
        assertThatThrownBy(() -> PruningRatios.parse("# x\nconv1 = 0.5", "r.txt"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("r.txt line 2: expected '<layer> <ratio>' (or '* <ratio>'), got 'conv1 = 0.5'");
        assertThatThrownBy(() -> PruningRatios.parse("conv1 half", "r.txt")).isInstanceOf(InvalidInputException.class)
                .hasMessage("r.txt line 1: expected '<layer> <ratio>' (or '* <ratio>'), got 'conv1 half'");
        assertThatThrownBy(() -> PruningRatios.parse("conv1 .5\n* .9\nconv1 .6", "r.txt"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("r.txt line 3: layer conv1 already given on line 1");
        assertThatThrownBy(() -> PruningRatios.parse("* 1", "r.txt")).isInstanceOf(InvalidInputException.class)
                .hasMessage("r.txt line 1: default ratio must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> PruningRatios.parse("# only a comment\n\n", "r.txt"))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("r.txt: no ratios in it");
    }

    @Test
    void flagErrorsNameTheFlag() {
        assertThatThrownBy(() -> PruningRatios.fromFlag(FLAG, "1.0")).isInstanceOf(InvalidInputException.class)
                .hasMessage("--prune-ratio: ratio must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> PruningRatios.fromFlag(FLAG, "-0.5")).isInstanceOf(InvalidInputException.class)
                .hasMessage("--prune-ratio: ratio must be in [0, 1), got -0.5");
        assertThatThrownBy(() -> PruningRatios.fromFlag(FLAG, "/no/such/ratios.txt"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("--prune-ratio: '/no/such/ratios.txt' is neither a ratio like 0.9 nor an existing file");
        assertThatThrownBy(() -> new PruningRatios(Map.of("a b", .5), 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("layer name must be non-empty without whitespace, got 'a b'");
    }

    @Test
    void planSkipsUnprunedLayersAndRejectsUnknownNames() {
        Map<String, INDArray> weights = Map.of("conv1", Nd4j.zeros(4, 2, 3, 3), "fc1", Nd4j.zeros(8, 10),
                "fc2", Nd4j.zeros(10, 3));
        Map<String, LayerPruning> plan = LayerPruning.plan(weights, PruningScheme.FILTER,
                new PruningRatios(Map.of("fc2", 0.0, "conv1", .5), .75));
        assertThat(plan).containsExactly(Map.entry("conv1", new LayerPruning(PruningScheme.FILTER, .5, LayerKind.CONV)),
                Map.entry("fc1", new LayerPruning(PruningScheme.FILTER, .75, LayerKind.DENSE)));
        assertThatThrownBy(() -> LayerPruning.plan(weights, PruningScheme.IRREGULAR,
                new PruningRatios(Map.of("conv9", .5), 0))).isInstanceOf(InvalidInputException.class)
                .hasMessage("pruning ratios name layer 'conv9', which is not a prunable layer; "
                        + "prunable: [conv1, fc1, fc2]");
    }
}
