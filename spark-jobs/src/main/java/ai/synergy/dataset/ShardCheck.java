package ai.synergy.dataset;

import ai.synergy.config.InvalidSettingException;

import java.util.Locale;

/**
 * How much of what {@code manifest.json} promises is verified when a prepared data set is loaded
 * ({@code --verify-shards}). Each worker verifies the shards it owns, on its executor, before it uses them.
 */
public enum ShardCheck {
    /** Trust the files: no checksum, no size check. */
    NONE,
    /**
     * The default, cheap at any scale: every index file's SHA-256 (an index is ~40 bytes per image, and is read in
     * full anyway) and every tar file's size (one file-status call). Catches edited or replaced indexes (wrong labels,
     * dropped images) and truncated or appended tars; not a tar rewritten in place at the same size.
     */
    INDEX,
    /** {@link #INDEX} plus every tar file's full SHA-256: reads the whole data set once at start-up. */
    FULL;

    /** Parses the flag value ({@code none}, {@code index}, {@code full}). */
    public static ShardCheck parse(String value) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidSettingException("shardCheck", ": unknown check '" + value
                    + "'; accepted: none, index, full");
        }
    }
}
