package ai.synergy.quantization;

import ai.synergy.config.InvalidSettingException;

import java.io.Serializable;
import java.util.List;

/**
 * INQ's accumulated portions of each layer's weights quantized after each round, largest |w| first (Zhou et al.,
 * arXiv:1702.03044, experiments; docs/methods.md section 3, "Rounds"). Fewer, bigger steps train faster; more, smaller
 * steps leave more free weights to compensate each step, which low bit-widths need (the paper's 2-bit schedule has ten
 * rounds, its 5-bit one four).
 *
 * @param portions strictly increasing, each in (0, 1], the last exactly 1 (copied)
 */
public record PortionSchedule(List<Double> portions) implements Serializable {
    /** The paper's 5-bit schedule, also used for 6 to 8 bits. */
    public static final List<Double> FIVE_BIT = List.of(.5, .75, .875, 1.0);
    /** The paper's 4-bit schedule (ResNet-18 at 4 bits), also used for 3 bits. */
    public static final List<Double> FOUR_BIT = List.of(.3, .5, .8, .9, .95, 1.0);
    /** The paper's 2-bit (ternary) schedule. */
    public static final List<Double> TWO_BIT = List.of(.2, .4, .6, .7, .8, .85, .9, .95, .975, 1.0);

    public PortionSchedule {
        if (portions == null || portions.isEmpty()) {
            throw new InvalidSettingException("portions", "must have at least one portion");
        }
        double previous = 0;
        for (int i = 0; i < portions.size(); i++) {
            Double p = portions.get(i);
            if (p == null) {
                throw new InvalidSettingException("portions", "entry " + i + " must be set");
            }
            if (!(p > 0 && p <= 1)) {
                throw new InvalidSettingException("portions", "must be in (0, 1], got " + p + " at position " + i);
            }
            if (!(p > previous)) {
                throw new InvalidSettingException("portions", "must be strictly increasing, got " + p + " after "
                        + previous);
            }
            previous = p;
        }
        if (previous != 1) {
            throw new InvalidSettingException("portions", "must end at 1 (every weight quantized), got " + previous);
        }
        portions = List.copyOf(portions);
    }

    /**
     * The default schedule for a bit-width: the paper's for 2, 4 and 5 bits; 3 bits use the 4-bit schedule (the paper
     * reports 3-bit ResNet-18 without its schedule, and 3 bits sit between the 2- and 4-bit ones, closer in codebook
     * size to 4 bits); 6 to 8 bits use the 5-bit schedule (a finer codebook loses less per round).
     */
    public static PortionSchedule defaultFor(int bits) {
        InqCodebook.checkBits(bits);
        if (bits == 2) {
            return new PortionSchedule(TWO_BIT);
        }
        return new PortionSchedule(bits <= 4 ? FOUR_BIT : FIVE_BIT);
    }

    /** The number of rounds. */
    public int rounds() {
        return portions.size();
    }

    /** The accumulated portion after round {@code round} (0-based). */
    public double portion(int round) {
        if (round < 0 || round >= portions.size()) {
            throw new IllegalArgumentException("round must be in [0, " + portions.size() + "), got " + round);
        }
        return portions.get(round);
    }
}
