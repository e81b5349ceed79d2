package ai.synergy.model;

import ai.synergy.config.Require;

import java.util.List;

/**
 * The learning rate as a function of training progress, evaluated on the driver before every averaging round
 * (dl4j-spark's workers restart DL4J schedules at iteration 0 every round: docs/architecture.md, "Known traps").
 *
 * @param type       constant, step (multiply by {@code gamma} at each milestone epoch), cosine (to 0 at the end,
 *                   Loshchilov and Hutter 2017) or onecycle (Smith 2018, PyTorch OneCycleLR defaults: cosine warm-up
 *                   from lr/25 over the first 30%, then cosine down to lr/1e4)
 * @param baseRate   the peak (or initial) learning rate
 * @param milestones epochs (0-based, fractional allowed) at which a step schedule multiplies by {@code gamma}
 * @param gamma      the step factor (0.1 in the ResNet paper, 0.2 in the DKS recipe)
 * @param warmupEpochs linear warm-up from 0 for step and cosine schedules (0 for none)
 */
public record LearningRateSchedule(Type type, double baseRate, List<Double> milestones, double gamma, double warmupEpochs) {

    /** Schedule shapes. */
    public enum Type { CONSTANT, STEP, COSINE, ONECYCLE }

    private static final double ONECYCLE_PCT_START = 0.3;
    private static final double ONECYCLE_DIV = 25;
    private static final double ONECYCLE_FINAL_DIV = 1e4;

    public LearningRateSchedule {
        if (type == null) {
            throw new IllegalArgumentException("schedule type must be set");
        }
        Require.positive("learningRate", baseRate);
        milestones = milestones == null ? List.of() : List.copyOf(milestones);
        Require.positive("gamma", gamma);
        if (type == Type.STEP) {
            Require.inLeftOpen("gamma", gamma, 0, 1);
        }
        Require.nonNegative("warmupEpochs", warmupEpochs);
    }

    /** A constant rate. */
    public static LearningRateSchedule constant(double rate) {
        return new LearningRateSchedule(Type.CONSTANT, rate, List.of(), 1, 0);
    }

    /**
     * The rate at a point of training.
     *
     * @param epochProgress epochs completed so far, fractional (0 at the start, {@code totalEpochs} at the end)
     * @param totalEpochs   the run's length in epochs
     */
    public double rateAt(double epochProgress, int totalEpochs) {
        double t = Math.max(0, Math.min(epochProgress, totalEpochs));
        if (type == Type.ONECYCLE) {
            double pct = t / totalEpochs;
            double start = baseRate / ONECYCLE_DIV;
            double end = start / ONECYCLE_FINAL_DIV;
            if (pct < ONECYCLE_PCT_START) {
                return cosineBetween(start, baseRate, pct / ONECYCLE_PCT_START);
            }
            return cosineBetween(baseRate, end, (pct - ONECYCLE_PCT_START) / (1 - ONECYCLE_PCT_START));
        }
        if (warmupEpochs > 0 && t < warmupEpochs) {
            return baseRate * t / warmupEpochs;
        }
        return switch (type) {
            case CONSTANT -> baseRate;
            case STEP -> {
                double rate = baseRate;
                for (double m : milestones) {
                    if (t >= m) {
                        rate *= gamma;
                    }
                }
                yield rate;
            }
            case COSINE -> {
                double span = totalEpochs - warmupEpochs;
                yield cosineBetween(baseRate, 0, span <= 0 ? 1 : (t - warmupEpochs) / span);
            }
            case ONECYCLE -> throw new IllegalStateException("handled above");
        };
    }

    private static double cosineBetween(double from, double to, double fraction) {
        return to + (from - to) * (1 + Math.cos(Math.PI * fraction)) / 2;
    }
}
