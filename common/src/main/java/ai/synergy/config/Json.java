package ai.synergy.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The project's one JSON mapper for configs, provenance, metrics lines and manifests (records in, records out). */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectWriter LINE_WRITER = MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    /** Pretty-printed JSON of a record. */
    public static String write(Object value) {
        return write(MAPPER.writer(), value);
    }

    /** JSON of a record on one line (for JSON-lines files), without a trailing newline. */
    public static String writeLine(Object value) {
        return write(LINE_WRITER, value);
    }

    private static String write(ObjectWriter writer, Object value) {
        try {
            return writer.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** Reads JSON into a record; {@code source} names the file in the error. */
    public static <T> T read(String json, Class<T> type, String source) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new InvalidInputException(source + ": not a valid " + type.getSimpleName() + " JSON: "
                    + message(e), e);
        }
    }

    /** Parses JSON into a tree, for callers that check keys before binding; {@code source} names the input. */
    public static JsonNode readTree(String json, String source) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Binds a tree to a record; {@code source} names the input in the error. */
    public static <T> T read(JsonNode tree, Class<T> type, String source) {
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new InvalidInputException(source + ": not a valid " + type.getSimpleName() + ": " + message(e), e);
        }
    }

    private static String message(Exception e) {
        return e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    }
}
