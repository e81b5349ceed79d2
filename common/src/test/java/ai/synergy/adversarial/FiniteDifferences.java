package ai.synergy.adversarial;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.function.DoubleSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Input gradients checked against central differences, in double precision. */
final class FiniteDifferences {
    private FiniteDifferences() {
    }

    /**
     * Every {@code stride}-th element of {@code analytic} equals (L(x + h) - L(x - h)) / 2h, h = 1e-6, to
     * 1e-6 + 1e-4 |numeric|; {@code loss} evaluates L at {@code x}, which is perturbed in place and restored.
     */
    static void assertGradient(INDArray analytic, INDArray x, int stride, DoubleSupplier loss) {
        double h = 1e-6;
        for (long i = 0; i < x.length(); i += stride) {
            double original = x.getDouble(i);
            x.putScalar(i, original + h);
            double plus = loss.getAsDouble();
            x.putScalar(i, original - h);
            double minus = loss.getAsDouble();
            x.putScalar(i, original);
            double numeric = (plus - minus) / (2 * h);
            assertThat(analytic.getDouble(i)).as("dL/dx[%d]", i)
                    .isCloseTo(numeric, within(1e-6 + 1e-4 * Math.abs(numeric)));
        }
    }
}
