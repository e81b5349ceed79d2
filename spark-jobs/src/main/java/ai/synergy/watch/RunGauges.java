package ai.synergy.watch;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Driver side: the training gauges of the run this JVM drives, one process-wide holder that the run loop writes
 * ({@link RunWatch}) and the metrics plugin reads ({@link SynergyMetricsPlugin}), from any thread.
 */
public final class RunGauges {
    private static final AtomicLongArray VALUES = new AtomicLongArray(Gauge.values().length);

    static {
        reset();
    }

    private RunGauges() {
    }

    /** The gauge's value; NaN when the current run has not set it. */
    public static double get(Gauge gauge) {
        return Double.longBitsToDouble(VALUES.get(gauge.ordinal()));
    }

    static void set(Gauge gauge, double value) {
        VALUES.set(gauge.ordinal(), Double.doubleToRawLongBits(value));
    }

    /** Sets every gauge to NaN (a new run starts). */
    static void reset() {
        for (Gauge gauge : Gauge.values()) {
            set(gauge, Double.NaN);
        }
    }
}
