package ai.synergy.dks;

import ai.synergy.config.InvalidSettingException;

import java.util.Locale;

/** How a network's heads are supervised in training ({@code train --supervision}). */
public enum Supervision {
    /** One classifier, cross-entropy: the baseline. */
    NONE,
    /** Deep supervision: auxiliary classifiers, cross-entropy on every head (the DKS paper's ablation). */
    DS,
    /** Deeply-supervised knowledge synergy: DS plus the pairwise synergy term between all heads. */
    DKS;

    /** Parses the {@code --supervision} value ({@code none}, {@code ds}, {@code dks}). */
    public static Supervision parse(String value) {
        for (Supervision s : values()) {
            if (s.name().toLowerCase(Locale.ROOT).equals(value)) {
                return s;
            }
        }
        throw new InvalidSettingException("supervision", ": unknown mode '" + value + "'; accepted: none, ds, dks");
    }
}
