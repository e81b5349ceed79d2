package ai.synergy.training;

import ai.synergy.adversarial.Pgd;

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

    public AdversarialTraining {
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("adversarial ratio must be in [0, 1], got " + ratio);
        }
    }

    /** Natural training. */
    public static AdversarialTraining none() {
        return new AdversarialTraining(null, 1);
    }

    /** Whether minibatches are attacked. */
    public boolean enabled() {
        return attack != null && ratio > 0;
    }
}
