package ai.synergy.adversarial;

import ai.synergy.config.Require;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.SplittableRandom;

/**
 * Projected gradient descent in the L-infinity ball (Madry et al., "Towards Deep Learning Models Resistant to
 * Adversarial Attacks", ICLR 2018, eq. 2; docs/methods.md section 2): from {@code x} (or a uniform random start in the
 * ball), {@code steps} times x <- clip_[0,1](Proj_{|x - x0| <= eps}(x + stepSize * sign(dLoss/dx))). Inputs and
 * {@code eps} are in [0, 1] pixel units, before any normalisation (the project's networks normalise inside).
 * FGSM is one step of size eps without random start ({@link #fgsm}).
 *
 * @param eps         radius of the L-infinity ball, in [0, 1] units (e.g. 0.1 for Fashion-MNIST, 8/255 for CIFAR)
 * @param stepSize    step per iteration (e.g. 0.01; 2/255)
 * @param steps       iterations (e.g. 10-40; more is a stronger attack and proportionally slower training)
 * @param randomStart start from a uniform random point of the ball (PGD) or from x itself
 */
public record Pgd(double eps, double stepSize, int steps, boolean randomStart) implements Attack {

    /** Attack radius, Fashion-MNIST's usual 0.1. */
    public static final double DEFAULT_EPS = 0.1;
    /** Step per iteration. */
    public static final double DEFAULT_STEP_SIZE = 0.01;
    /** Iterations. */
    public static final int DEFAULT_STEPS = 10;

    public Pgd {
        Require.inClosed("eps", eps, 0, 1);
        Require.positive("stepSize", stepSize);
        Require.atLeast("steps", steps, 1);
    }

    /** The fast gradient sign method: one step of size eps, no random start (Goodfellow et al., ICLR 2015). */
    public static Pgd fgsm(double eps) {
        return new Pgd(eps, Math.max(eps, Double.MIN_NORMAL), 1, false);
    }

    /** PGD's attack on the model's training loss ({@link AttackedModel#lossGradient}). */
    @Override
    public INDArray attack(AttackedModel model, INDArray x, INDArray labels, long seed) {
        return attack(model.lossGradient(), x, labels, seed);
    }

    /**
     * Adversarial versions of {@code x} (a new array; {@code x} is not changed). {@code seed} draws the random start,
     * so an attack is reproducible.
     */
    public INDArray attack(LossGradient model, INDArray x, INDArray labels, long seed) {
        LinfBall ball = new LinfBall(x, eps);
        INDArray adv = x.dup();
        if (randomStart && eps > 0) {
            double[] noise = LinfBall.uniform(new SplittableRandom(seed), (int) x.length(), eps);
            adv.addi(Nd4j.create(noise, x.shape(), 'c').castTo(x.dataType()));
            ball.project(adv);
        }
        for (int step = 0; step < steps; step++) {
            INDArray gradient = model.inputGradient(adv, labels);
            adv.addi(Transforms.sign(gradient, false).muli(stepSize));
            ball.project(adv);
        }
        return adv;
    }

    /** fgsm when this is {@link #fgsm}'s attack, otherwise pgd. */
    @Override
    public String name() {
        return equals(fgsm(eps)) ? "fgsm" : "pgd";
    }

    @Override
    public String describe() {
        return "eps " + eps + ", step " + stepSize + ", " + steps + " steps" + (randomStart ? ", random start" : "");
    }
}
