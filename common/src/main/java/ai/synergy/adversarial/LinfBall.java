package ai.synergy.adversarial;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.SplittableRandom;

/**
 * The set an L-infinity attack keeps its iterates in: the ball of radius eps around the natural inputs intersected
 * with [0, 1], as elementwise bounds max(x - eps, 0) <= x' <= min(x + eps, 1).
 */
final class LinfBall {
    private final INDArray lower;
    private final INDArray upper;

    LinfBall(INDArray x, double eps) {
        this.lower = Transforms.max(x.sub(eps), 0.0, false);
        this.upper = Transforms.min(x.add(eps), 1.0, false);
    }

    /** The projection onto the set, elementwise max(lower, min(upper, v)), in place; returns {@code v}. */
    INDArray project(INDArray v) {
        return v.assign(Transforms.max(Transforms.min(v, upper, true), lower, false));
    }

    /** {@code count} values drawn uniformly from [-eps, eps) by {@code random}, in order. */
    static double[] uniform(SplittableRandom random, int count, double eps) {
        double[] noise = new double[count];
        for (int i = 0; i < count; i++) {
            noise[i] = (2 * random.nextDouble() - 1) * eps;
        }
        return noise;
    }
}
