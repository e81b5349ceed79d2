package ai.synergy.config;

/**
 * The range checks of configuration records, in one place so that every setting is checked once, where it is
 * defined, with the same words; each failure is an {@link InvalidSettingException} naming the setting.
 */
public final class Require {
    private Require() {
    }

    /** {@code value >= min}. */
    public static int atLeast(String setting, int value, int min) {
        if (value < min) {
            throw new InvalidSettingException(setting, "must be >= " + min + ", got " + value);
        }
        return value;
    }

    /** A finite {@code value > 0}. */
    public static double positive(String setting, double value) {
        if (!(value > 0 && Double.isFinite(value))) {
            throw new InvalidSettingException(setting, "must be a finite number > 0, got " + value);
        }
        return value;
    }

    /** A finite {@code value >= 0}. */
    public static double nonNegative(String setting, double value) {
        if (!(value >= 0 && Double.isFinite(value))) {
            throw new InvalidSettingException(setting, "must be a finite number >= 0, got " + value);
        }
        return value;
    }

    /** {@code min <= value < max}. */
    public static double inHalfOpen(String setting, double value, double min, double max) {
        if (!(value >= min && value < max)) {
            throw new InvalidSettingException(setting, "must be in [" + number(min) + ", " + number(max) + "), got "
                    + value);
        }
        return value;
    }

    /** {@code min < value <= max}. */
    public static double inLeftOpen(String setting, double value, double min, double max) {
        if (!(value > min && value <= max)) {
            throw new InvalidSettingException(setting, "must be in (" + number(min) + ", " + number(max) + "], got "
                    + value);
        }
        return value;
    }

    /** {@code min <= value <= max}. */
    public static double inClosed(String setting, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new InvalidSettingException(setting, "must be in [" + number(min) + ", " + number(max) + "], got "
                    + value);
        }
        return value;
    }

    /** {@code min <= value <= max}. */
    public static int inClosed(String setting, int value, int min, int max) {
        if (value < min || value > max) {
            throw new InvalidSettingException(setting, "must be in [" + min + ", " + max + "], got " + value);
        }
        return value;
    }

    /** A condition on a setting; {@code problem} says what is wrong ("must be 1 for the ImageNet family"). */
    public static void that(boolean condition, String setting, String problem) {
        if (!condition) {
            throw new InvalidSettingException(setting, problem);
        }
    }

    /** 1 rather than 1.0 in messages, 0.0625 as it is. */
    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
