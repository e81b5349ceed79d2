package ai.synergy.metrics;

import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts {@link EpochMetrics} to and from the lines of {@code metrics.jsonl} (one JSON object per epoch).
 *
 * <p>Unknown keys are ignored when reading, so later versions can add fields; a null {@code testTop5} is left
 * out of the JSON. Writing the file is the caller's job (the Spark side writes through Hadoop FS).
 */
public final class MetricsLog {

    /** Keys every line must have; {@code testTop5} is optional. */
    private static final List<String> REQUIRED = List.of("epoch", "trainLoss", "learningRate", "testTop1",
            "testExamples", "imagesPerSecond", "epochSeconds", "evalSeconds");

    private MetricsLog() {
    }

    /** One JSON object on a single line, without the trailing newline. */
    public static String toJsonLine(EpochMetrics m) {
        return Json.writeLine(m);
    }

    /** Parses one line; a malformed line or a missing key is an {@link InvalidInputException}. */
    public static EpochMetrics fromJsonLine(String line) {
        return parse(line, "metrics line");
    }

    /** Reads every non-blank line of a {@code metrics.jsonl} stream (UTF-8); does not close the stream. */
    public static List<EpochMetrics> readAll(InputStream in) {
        return readAll(in, "metrics log");
    }

    /** Like {@link #readAll(InputStream)}, naming {@code source} (e.g. the file path) in error messages. */
    public static List<EpochMetrics> readAll(InputStream in, String source) {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        List<EpochMetrics> out = new ArrayList<>();
        int lineNo = 0;
        try {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNo++;
                if (!line.isBlank()) {
                    out.add(parse(line, source + " line " + lineNo));
                }
            }
        } catch (IOException e) {
            throw new InvalidInputException(source + ": cannot read after line " + lineNo + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static EpochMetrics parse(String line, String where) {
        JsonNode node = Json.readTree(line, where);
        if (node == null || !node.isObject()) {
            throw new InvalidInputException(where + ": expected a JSON object, got: " + abbreviate(line));
        }
        for (String key : REQUIRED) {
            if (!node.hasNonNull(key)) {
                throw new InvalidInputException(where + ": missing key \"" + key + "\" in " + abbreviate(line));
            }
        }
        return Json.read(node, EpochMetrics.class, where);
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
