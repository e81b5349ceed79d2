package ai.synergy.pruning;

import ai.synergy.config.Require;

/**
 * ADMM penalty settings (docs/methods.md section 2, "ADMM pruning"; Zhang et al., ECCV 2018; Ye et al.,
 * arXiv:1903.12561). Defaults {@code rho0 = 1e-3}, growth 1.3. A larger rho pulls W towards the sparse Z harder,
 * so hard pruning later loses less, but it fights the training loss sooner and costs accuracy during ADMM; the growth
 * raises rho at every ADMM update so that W and Z meet by the end.
 *
 * @param initialRho rho of every layer at initialisation, > 0
 * @param rhoGrowth  factor applied to rho at every ADMM update, >= 1
 */
public record AdmmConfig(double initialRho, double rhoGrowth) {
    /** The paper's rho0. */
    public static final double DEFAULT_INITIAL_RHO = 1e-3;
    /** The paper's growth factor per ADMM update. */
    public static final double DEFAULT_RHO_GROWTH = 1.3;

    public AdmmConfig {
        Require.positive("initialRho", initialRho);
        Require.that(rhoGrowth >= 1 && Double.isFinite(rhoGrowth), "rhoGrowth",
                "must be a finite number >= 1, got " + rhoGrowth);
    }

    /** rho0 = 1e-3, growth 1.3. */
    public static AdmmConfig defaults() {
        return new AdmmConfig(DEFAULT_INITIAL_RHO, DEFAULT_RHO_GROWTH);
    }
}
