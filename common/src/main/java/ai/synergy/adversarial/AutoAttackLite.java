package ai.synergy.adversarial;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The APGD half of AutoAttack (Croce and Hein, ICML 2020, arXiv:2003.01690, section 5): APGD with the cross-entropy,
 * then APGD with the DLR loss on the examples the first left correctly classified; an example counts as robust only if
 * it survives both. The full AutoAttack adds the targeted FAB attack and the black-box Square attack, which this does
 * not run. Per example the result is the first attack's point if it broke the example, otherwise the second's; the
 * second attack draws the same random starts per example as it would alone, so an example broken by either attack
 * alone is broken here.
 *
 * @param ce  the first attack, with {@link Apgd.Loss#CE}
 * @param dlr the second, with {@link Apgd.Loss#DLR} or {@link Apgd.Loss#DLR_TARGETED}
 */
public record AutoAttackLite(Apgd ce, Apgd dlr) implements Attack {

    public AutoAttackLite {
        if (ce == null || ce.loss() != Apgd.Loss.CE) {
            throw new IllegalArgumentException("the first attack must be APGD-CE, got " + ce);
        }
        if (dlr == null || dlr.loss() == Apgd.Loss.CE) {
            throw new IllegalArgumentException("the second attack must be APGD with a DLR loss, got " + dlr);
        }
    }

    /** APGD-CE then untargeted APGD-DLR, each of radius {@code eps} with {@code budget} iterations and restarts. */
    public static AutoAttackLite of(double eps, int budget, int restarts) {
        return new AutoAttackLite(new Apgd(eps, budget, Apgd.Loss.CE, restarts),
                new Apgd(eps, budget, Apgd.Loss.DLR, restarts));
    }

    @Override
    public INDArray attack(AttackedModel model, INDArray x, INDArray labels, long seed) {
        return run(model.logitsGradient(), x, Apgd.classes(labels), seed).adversarial();
    }

    /** Both attacks on a minibatch with integer labels: the per-example worst case and which examples survived both. */
    Apgd.Outcome run(LogitsGradient model, INDArray x, int[] labels, long seed) {
        Apgd.Outcome first = ce.run(model, x, labels, seed, new boolean[labels.length]);
        boolean[] broken = new boolean[labels.length];
        for (int i = 0; i < broken.length; i++) {
            broken[i] = !first.robust()[i];
        }
        Apgd.Outcome second = dlr.run(model, x, labels, seed, broken);
        INDArray worst = first.adversarial().dup();
        for (int i = 0; i < broken.length; i++) {
            if (!broken[i]) {
                worst.slice(i).assign(second.adversarial().slice(i));
            }
        }
        return new Apgd.Outcome(worst, second.robust());
    }

    @Override
    public String name() {
        return "autoattack-lite";
    }

    @Override
    public String describe() {
        return ce.name() + " then " + dlr.name() + ", " + ce.describe()
                + (ce.budget() == dlr.budget() && ce.restarts() == dlr.restarts() && ce.eps() == dlr.eps() ? ""
                : "; " + dlr.name() + " " + dlr.describe());
    }
}
