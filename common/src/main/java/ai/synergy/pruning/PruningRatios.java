package ai.synergy.pruning;

import ai.synergy.config.InvalidInputException;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Pruning ratio p (fraction of weights removed, in [0, 1)) per prunable layer, by DL4J layer name
 * (e.g. {@code s1_b1_1_conv}); layers not named get {@code defaultRatio}. A ratio of 0 leaves a layer unpruned.
 * The paper's settings (docs/methods.md section 2): .9375 on every conv layer of VGG-16 / ResNet-18 (16x smaller);
 * LeNet conv1 .8, conv2 .947, fc1 .99, fc2 .93. Higher ratios compress more and cost accuracy, natural and
 * adversarial alike.
 *
 * @param perLayer     ratio by layer name (copied, sorted by name)
 * @param defaultRatio ratio of every layer not in {@code perLayer}
 */
public record PruningRatios(Map<String, Double> perLayer, double defaultRatio) implements Serializable {
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    /** The layer name standing for every layer not listed, in a ratio file. */
    public static final String DEFAULT_KEY = "*";

    public PruningRatios {
        if (perLayer == null) {
            throw new IllegalArgumentException("per-layer ratios must be set (use an empty map)");
        }
        String bad = ratioProblem(defaultRatio);
        if (bad != null) {
            throw new IllegalArgumentException("default " + bad);
        }
        Map<String, Double> copy = new TreeMap<>();
        for (Map.Entry<String, Double> e : perLayer.entrySet()) {
            String layer = e.getKey();
            if (layer == null || layer.isBlank() || WHITESPACE.matcher(layer).find() || layer.equals(DEFAULT_KEY)) {
                throw new IllegalArgumentException("layer name must be non-empty without whitespace, got '"
                        + layer + "'");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("ratio of layer " + layer + " must be set");
            }
            bad = ratioProblem(e.getValue());
            if (bad != null) {
                throw new IllegalArgumentException(layer + ": " + bad);
            }
            copy.put(layer, e.getValue());
        }
        perLayer = Collections.unmodifiableMap(copy);
    }

    /** One ratio for every prunable layer. */
    public static PruningRatios uniform(double ratio) {
        return new PruningRatios(Map.of(), ratio);
    }

    /** The ratio of {@code layer}: its own, or the default. */
    public double ratioFor(String layer) {
        return perLayer.getOrDefault(layer, defaultRatio);
    }

    /**
     * A flag value: a number ("0.9": that ratio for every prunable layer) or the path of a ratio file
     * ({@link #parse}). {@code flag} names the flag in errors.
     */
    public static PruningRatios fromFlag(String flag, String value) {
        String v = value == null ? "" : value.strip();
        if (NUMBER.matcher(v).matches()) {
            double ratio = Double.parseDouble(v);
            String bad = ratioProblem(ratio);
            if (bad != null) {
                throw new InvalidInputException(flag + ": " + bad);
            }
            return uniform(ratio);
        }
        if (v.isEmpty()) {
            throw new InvalidInputException(flag + ": expected a ratio like 0.9 or a file of '<layer> <ratio>' lines");
        }
        Path file = Path.of(v);
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(flag + ": '" + v + "' is neither a ratio like 0.9 nor an existing file");
        }
        return read(file);
    }

    /** Reads a ratio file ({@link #parse}); errors name the file and line. */
    public static PruningRatios read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read pruning ratios: " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /**
     * Parses ratio lines: {@code <layer> <ratio>} separated by whitespace, {@code * <ratio>} for the default (0 when
     * absent), {@code #} starts a comment, blank lines are skipped. A layer may appear once. Errors read
     * "{@code source} line N: ...".
     */
    public static PruningRatios parse(String text, String source) {
        Map<String, Double> perLayer = new HashMap<>();
        Map<String, Integer> lineOf = new HashMap<>();
        double defaultRatio = 0;
        String[] lines = text.split("\\R", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i];
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = source + " line " + lineNo + ": ";
            String[] parts = WHITESPACE.split(line);
            if (parts.length != 2 || !NUMBER.matcher(parts[1]).matches()) {
                throw new InvalidInputException(where + "expected '<layer> <ratio>' (or '* <ratio>'), got '"
                        + line + "'");
            }
            String layer = parts[0];
            double ratio = Double.parseDouble(parts[1]);
            String bad = ratioProblem(ratio);
            if (bad != null) {
                throw new InvalidInputException(where + (layer.equals(DEFAULT_KEY) ? "default " : layer + ": ") + bad);
            }
            Integer earlier = lineOf.putIfAbsent(layer, lineNo);
            if (earlier != null) {
                throw new InvalidInputException(where + (layer.equals(DEFAULT_KEY) ? "default ratio" : "layer " + layer)
                        + " already given on line " + earlier);
            }
            if (layer.equals(DEFAULT_KEY)) {
                defaultRatio = ratio;
            } else {
                perLayer.put(layer, ratio);
            }
        }
        if (lineOf.isEmpty()) {
            throw new InvalidInputException(source + ": no ratios in it; expected '<layer> <ratio>' lines, or "
                    + "'* <ratio>' for every prunable layer");
        }
        return new PruningRatios(perLayer, defaultRatio);
    }

    /** Null when {@code ratio} is a valid pruning ratio, else what is wrong. */
    private static String ratioProblem(double ratio) {
        return ratio >= 0 && ratio < 1 ? null : "ratio must be in [0, 1), got " + ratio;
    }
}
