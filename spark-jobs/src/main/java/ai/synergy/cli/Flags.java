package ai.synergy.cli;

import ai.synergy.config.InvalidSettingException;

import java.util.Map;

/**
 * The command line's spelling of the configuration's settings: errors from the configuration types name a setting
 * ({@code batchSizePerWorker}); a user of the command line reads its flag ({@code --batch-size}). A setting is its
 * flag in kebab case unless listed here.
 */
final class Flags {
    private static final Map<String, String> RENAMED = Map.ofEntries(
            Map.entry("learningRate", "--lr"),
            Map.entry("schedule", "--lr-schedule"),
            Map.entry("widthMultiplier", "--width"),
            Map.entry("stepSize", "--step"),
            Map.entry("batchSizePerWorker", "--batch-size"),
            Map.entry("initialRho", "--admm-rho"),
            Map.entry("rhoGrowth", "--admm-rho-growth"),
            Map.entry("augmentation", "--augment"),
            Map.entry("shardCheck", "--verify-shards"),
            Map.entry("fashionMnistDir", "--data-dir"),
            Map.entry("pruning", "--prune"),
            Map.entry("randomPartition", "--partition random"),
            Map.entry("pruneLearningRate", "--prune-lr"),
            Map.entry("quantizeLearningRate", "--quantize-lr"));

    private Flags() {
    }

    /** The flag that sets {@code setting}. */
    static String of(String setting) {
        String renamed = RENAMED.get(setting);
        if (renamed != null) {
            return renamed;
        }
        StringBuilder flag = new StringBuilder("--");
        for (char c : setting.toCharArray()) {
            if (Character.isUpperCase(c)) {
                flag.append('-').append(Character.toLowerCase(c));
            } else {
                flag.append(c);
            }
        }
        return flag.toString();
    }

    /** The error's message with its setting spelled as the flag: "--batch-size must be >= 1, got 0". */
    static String describe(InvalidSettingException e) {
        return of(e.setting()) + (e.problem().startsWith(":") ? "" : " ") + e.problem();
    }
}
