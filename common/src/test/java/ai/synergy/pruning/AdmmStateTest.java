package ai.synergy.pruning;

import ai.synergy.config.InvalidSettingException;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Map;

import static ai.synergy.pruning.ProjectionsTest.W;
import static ai.synergy.pruning.ProjectionsTest.dense;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class AdmmStateTest {
    private static final double[] U = {.05, .1, -.1, 0, .3, -.25, 0, 0};
    private static final String FC = "fc1";

    static void assertValues(INDArray actual, double eps, double... expected) {
        double[] a = actual.dup('c').data().asDouble();
        assertThat(a).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(a[i]).as("[%d]", i).isCloseTo(expected[i], within(eps));
        }
    }

    private static AdmmState state(AdmmConfig config) {
        Map<String, INDArray> weights = Map.of(FC, dense(W));
        return AdmmState.init(weights, LayerPruning.plan(weights, PruningScheme.IRREGULAR, PruningRatios.uniform(.5)),
                config);
    }

    @SuppressWarnings("unchecked")
    static <T> T roundTrip(T value) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    @Test
    void initProjectsWAndZeroesU() {
        AdmmState s = state(AdmmConfig.defaults());
        assertThat(s.layers()).containsExactly(FC);
        assertValues(s.z(FC), 0, .9, 0, .3, -.7, 0, 0, -.4, 0);
        assertValues(s.u(FC), 0, 0, 0, 0, 0, 0, 0, 0, 0);
        assertThat(s.rho(FC)).isEqualTo(1e-3);
        assertThat(s.plan()).containsExactly(Map.entry(FC,
                new LayerPruning(PruningScheme.IRREGULAR, .5, LayerKind.DENSE)));
    }

    @Test
    void oneUpdateMatchesTheCheckVector() {
        AdmmState s = state(AdmmConfig.defaults());
        s.setVariables(FC, s.z(FC), dense(U));
        s.update(Map.of(FC, dense(W)));
        assertThat(s.rho(FC)).isCloseTo(1.3e-3, within(1e-15));
        assertValues(s.z(FC), 1e-6, .95, 0, 0, -.7, .31, 0, -.4, 0);
        assertValues(s.u(FC), 1e-6, 0, .05, .2, 0, 0, -.05, 0, .08);
        s.update(Map.of(FC, dense(W)));
        assertThat(s.rho(FC)).isCloseTo(1.69e-3, within(1e-15));
    }

    @Test
    void rhoGrowthIsAParameter() {
        AdmmState s = state(new AdmmConfig(.01, 2));
        s.update(Map.of(FC, dense(W)));
        assertThat(s.rho(FC)).isEqualTo(.02);
    }

    @Test
    void proximalGradientPenaltyAndResidual() {
        AdmmState s = state(new AdmmConfig(.5, 1.3));
        s.setVariables(FC, s.z(FC), dense(U));
        INDArray w = dense(1, 0, 0, 0, 0, 0, 0, 0);
        // W - Z + U with Z = [.9, 0, .3, -.7, 0, 0, -.4, 0]
        double[] d = {.15, .1, -.4, .7, .3, -.25, .4, 0};
        double[] g = new double[d.length];
        double squared = 0;
        for (int i = 0; i < d.length; i++) {
            g[i] = .5 * d[i];
            squared += d[i] * d[i];
        }
        assertValues(s.proximalGradient(FC, w), 1e-12, g);
        assertValues(s.proximalGradient(FC, w), 1e-12, .075, .05, -.2, .35, .15, -.125, .2, 0);
        assertThat(s.penalty(Map.of(FC, w))).isCloseTo(.5 / 2 * squared, within(1e-12))
                .isCloseTo(.25 * .995, within(1e-12));
        // ||W - Z|| = ||[.1, 0, -.3, .7, 0, 0, .4, 0]|| = sqrt(.75)
        assertThat(s.primalResidual(FC, w)).isCloseTo(Math.sqrt(.75), within(1e-12));
        assertThat(s.primalResiduals(Map.of(FC, w))).containsExactly(Map.entry(FC, s.primalResidual(FC, w)));
    }

    @Test
    void inPlaceProximalGradientEqualsTheAllocatingOneAndFollowsUpdates() {
        AdmmState s = state(new AdmmConfig(.5, 1.3));
        s.setVariables(FC, s.z(FC), dense(U));
        INDArray w = dense(1, 0, 0, 0, 0, 0, 0, 0).dup('f');
        INDArray base = dense(.01, .02, .03, .04, .05, .06, .07, .08);
        INDArray gradient = base.dup('f');
        s.addProximalGradient(FC, w, gradient, 1);
        assertValues(gradient, 1e-12, base.add(s.proximalGradient(FC, w)).dup('c').data().asDouble());
        s.update(Map.of(FC, dense(W)));
        INDArray again = base.dup('c');
        s.addProximalGradient(FC, w, again, 3);
        assertValues(again, 1e-12, base.add(s.proximalGradient(FC, w).mul(3)).dup('c').data().asDouble());
    }

    @Test
    void hardPruneProjectsWInPlace() {
        AdmmState s = state(AdmmConfig.defaults());
        INDArray w = dense(W);
        Masks masks = s.hardPrune(Map.of(FC, w));
        assertValues(w, 0, .9, 0, .3, -.7, 0, 0, -.4, 0);
        assertValues(masks.mask(FC), 0, 1, 0, 1, 1, 0, 0, 1, 0);
    }

    @Test
    void javaSerializationKeepsEveryValue() throws Exception {
        AdmmState s = state(AdmmConfig.defaults());
        s.setVariables(FC, s.z(FC), dense(U));
        s.update(Map.of(FC, dense(W)));
        AdmmState copy = roundTrip(s);
        assertThat(copy.layers()).containsExactly(FC);
        assertThat(copy.rho(FC)).isEqualTo(s.rho(FC));
        assertThat(copy.z(FC)).isEqualTo(s.z(FC));
        assertThat(copy.u(FC)).isEqualTo(s.u(FC));
        assertThat(copy.plan()).isEqualTo(s.plan());
        copy.update(Map.of(FC, dense(W)));
        s.update(Map.of(FC, dense(W)));
        assertThat(copy.rho(FC)).isEqualTo(s.rho(FC));
        assertThat(copy.u(FC).dup('c').data().asDouble()).containsExactly(s.u(FC).dup('c').data().asDouble());
    }

    @Test
    void variablesRestoreTheSameStateAndItsNextUpdate() {
        AdmmState s = state(new AdmmConfig(.01, 1.7));
        s.setVariables(FC, s.z(FC), dense(U));
        s.update(Map.of(FC, dense(W)));
        AdmmState copy = AdmmState.restore(s.rhoGrowth(), s.variables());
        assertThat(copy.rhoGrowth()).isEqualTo(1.7);
        assertThat(copy.plan()).isEqualTo(s.plan());
        assertThat(copy.rho(FC)).isEqualTo(s.rho(FC));
        assertThat(copy.z(FC).data().asDouble()).containsExactly(s.z(FC).data().asDouble());
        copy.update(Map.of(FC, dense(W)));
        s.update(Map.of(FC, dense(W)));
        assertThat(copy.rho(FC)).isEqualTo(s.rho(FC));
        assertThat(copy.u(FC).data().asDouble()).containsExactly(s.u(FC).data().asDouble());
    }

    @Test
    void restoreRejectsInconsistentVariables() {
        LayerPruning pruning = new LayerPruning(PruningScheme.IRREGULAR, .5, LayerKind.DENSE);
        INDArray z = dense(W);
        assertThatThrownBy(() -> AdmmState.restore(.5, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rho growth");
        assertThatThrownBy(() -> AdmmState.restore(1.3, Map.of(FC, new AdmmState.LayerVariables(pruning, z,
                dense(1, 2), 1e-3)))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shape");
        assertThatThrownBy(() -> AdmmState.restore(1.3, Map.of(FC, new AdmmState.LayerVariables(pruning, z,
                z.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT), 1e-3))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("data type");
        assertThatThrownBy(() -> AdmmState.restore(1.3, Map.of(FC, new AdmmState.LayerVariables(pruning, z, z,
                Double.NaN)))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rho");
        assertThatThrownBy(() -> AdmmState.restore(1.3, Map.of(FC, new AdmmState.LayerVariables(
                new LayerPruning(PruningScheme.IRREGULAR, .5, LayerKind.CONV), z, z, 1e-3))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank 4");
    }

    @Test
    void rejectsMissingLayersShapesAndBadConfigs() {
        AdmmState s = state(AdmmConfig.defaults());
        assertThatThrownBy(() -> s.update(Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no weight given for pruned layer fc1");
        assertThatThrownBy(() -> s.proximalGradient(FC, dense(1, 2))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("layer fc1: expected shape [1, 8], got [1, 2]");
        assertThatThrownBy(() -> s.rho("conv1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("layer conv1 is not pruned by ADMM; pruned: [fc1]");
        assertThatThrownBy(() -> new AdmmConfig(0, 1.3)).isInstanceOf(InvalidSettingException.class)
                .hasMessage("initialRho must be a finite number > 0, got 0.0");
        assertThatThrownBy(() -> new AdmmConfig(1e-3, .9)).isInstanceOf(InvalidSettingException.class)
                .hasMessage("rhoGrowth must be a finite number >= 1, got 0.9");
    }
}
