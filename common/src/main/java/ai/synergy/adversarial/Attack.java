package ai.synergy.adversarial;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;

/**
 * A white-box L-infinity attack on inputs in [0, 1], as robust evaluation runs it on the executors: PGD and FGSM
 * ({@link Pgd}), APGD ({@link Apgd}) and APGD-CE followed by APGD-DLR ({@link AutoAttackLite}).
 */
public sealed interface Attack extends Serializable permits Pgd, Apgd, AutoAttackLite {

    /**
     * Adversarial versions of the minibatch {@code x} [B, ...] with one-hot {@code labels} against {@code model} (a
     * new array; {@code x} is not changed). {@code seed} draws the random starts, so an attack is reproducible.
     */
    INDArray attack(AttackedModel model, INDArray x, INDArray labels, long seed);

    /** The attack's short name: pgd, fgsm, apgd-ce, apgd-dlr, apgd-dlr-targeted, autoattack-lite. */
    String name();

    /** Its settings in words, e.g. "eps 0.1, step 0.01, 10 steps, random start". */
    String describe();
}
