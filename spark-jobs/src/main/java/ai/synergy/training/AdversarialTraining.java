package ai.synergy.training;

import ai.synergy.adversarial.Pgd;
import ai.synergy.config.Require;

import java.io.Serializable;

/**
 * Adversarial training settings ({@code train --adversarial pgd}): every training minibatch is attacked on the
 * executor with PGD against the worker's current local model before the update (Madry et al., ICLR 2018).
 *
 * @param attack the attack; null for natural training
 * @param ratio  fraction of each minibatch replaced by adversarial examples (1 = all, Madry's recipe; 0.5 = half
 *               natural, half adversarial, which keeps more natural accuracy)
 */
public record AdversarialTraining(Pgd attack, double ratio) implements Serializable {

    /** Madry's recipe: every example of a minibatch attacked. */
    public static final double DEFAULT_RATIO = 1;

    public AdversarialTraining {
        Require.inClosed("adversarialRatio", ratio, 0, 1);
    }

    /** Natural training. */
    public static AdversarialTraining none() {
        return new AdversarialTraining(null, DEFAULT_RATIO);
    }

    /** Whether minibatches are attacked. */
    public boolean enabled() {
        return attack != null && ratio > 0;
    }
}
