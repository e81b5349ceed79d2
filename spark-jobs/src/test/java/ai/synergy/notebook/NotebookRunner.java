package ai.synergy.notebook;

import ai.synergy.cluster.ClusterConfTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.sql.SparkSession;
import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;
import scala.tools.nsc.interpreter.Results;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Runs a Zeppelin note ({@code .zpln}, Zeppelin 0.11 JSON) the way Zeppelin's Spark interpreter does: the
 * {@code %spark} paragraphs in order in one Scala 2.12 interpreter with {@code spark}, {@code sc} and {@code z} bound,
 * {@code %spark.sql} through {@code spark.sql}; {@code %md} is skipped and {@code %spark.conf} is checked (every key
 * one Spark knows, {@code spark.jars} naming the application jar). Fails on the first paragraph that does not succeed.
 */
final class NotebookRunner {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One paragraph: its title, interpreter ({@code spark}, {@code spark.conf}, {@code md}, ...), code and chart. */
    record Paragraph(String title, String interpreter, String code, List<String> chartColumns) {
    }

    /** A paragraph did not succeed. */
    static final class ParagraphFailed extends AssertionError {
        ParagraphFailed(String message) {
            super(message);
        }
    }

    private NotebookRunner() {
    }

    /** The paragraphs of a note, in order. */
    static List<Paragraph> paragraphs(Path note) throws IOException {
        JsonNode root = JSON.readTree(Files.readString(note));
        List<Paragraph> paragraphs = new ArrayList<>();
        for (JsonNode p : root.path("paragraphs")) {
            String text = p.path("text").asText("");
            String interpreter = "spark";
            String code = text;
            if (text.startsWith("%")) {
                int end = text.indexOf('\n');
                interpreter = (end < 0 ? text.substring(1) : text.substring(1, end)).trim();
                code = end < 0 ? "" : text.substring(end + 1);
            }
            List<String> chart = new ArrayList<>();
            JsonNode graph = p.path("config").path("results").path("0").path("graph");
            for (String part : List.of("keys", "groups", "values")) {
                graph.path(part).forEach(c -> chart.add(c.path("name").asText()));
            }
            paragraphs.add(new Paragraph(p.path("title").asText("(untitled)"), interpreter, code, chart));
        }
        return paragraphs;
    }

    /** Runs every paragraph of {@code note}; returns the output by paragraph title. */
    static Map<String, String> run(Path note, SparkSession spark) throws IOException {
        Settings settings = new Settings();
        settings.processArgumentString("-usejavacp -Yrepl-class-based -nowarn");
        StringWriter console = new StringWriter();
        IMain repl = new IMain(settings, new PrintWriter(console, true));
        ZeppelinDisplay z = new ZeppelinDisplay();
        Map<String, String> outputs = new LinkedHashMap<>();
        try {
            bind(repl, "spark", "org.apache.spark.sql.SparkSession", spark, console);
            bind(repl, "sc", "org.apache.spark.SparkContext", spark.sparkContext(), console);
            bind(repl, "z", ZeppelinDisplay.class.getName(), z, console);
            for (Paragraph p : paragraphs(note)) {
                String where = note.getFileName() + ", paragraph \"" + p.title() + "\"";
                console.getBuffer().setLength(0);
                z.reset();
                switch (p.interpreter()) {
                    case "md" -> {
                        continue;
                    }
                    case "spark.conf" -> checkConf(p.code(), where);
                    case "spark", "spark.spark" -> {
                        Results.Result result = repl.interpret(p.code());
                        if (!(result instanceof Results.Success$)) {
                            throw new ParagraphFailed(where + " ended with " + result + ":\n" + console);
                        }
                        checkChart(p, z, where);
                    }
                    case "spark.sql" -> spark.sql(p.code()).collectAsList();
                    default -> throw new ParagraphFailed(where + ": interpreter %" + p.interpreter()
                            + " is not one the notebooks may use");
                }
                outputs.put(p.title(), console + z.output());
            }
        } finally {
            repl.close();
        }
        return outputs;
    }

    private static void bind(IMain repl, String name, String type, Object value, StringWriter console) {
        Results.Result result = repl.bind(name, type, value,
                scala.collection.immutable.List$.MODULE$.<String>empty());
        if (!(result instanceof Results.Success$)) {
            throw new IllegalStateException("could not bind " + name + ": " + console);
        }
    }

    /** The settings of a note's {@code %spark.conf} paragraph (Zeppelin applies them when it starts Spark). */
    static Map<String, String> sparkConf(Path note) throws IOException {
        for (Paragraph p : paragraphs(note)) {
            if (p.interpreter().equals("spark.conf")) {
                return settings(p.code());
            }
        }
        throw new ParagraphFailed(note.getFileName() + " has no %spark.conf paragraph");
    }

    private static Map<String, String> settings(String code) throws IOException {
        Properties properties = new Properties();
        properties.load(new StringReader(code));
        Map<String, String> settings = new java.util.TreeMap<>();
        properties.stringPropertyNames().forEach(k -> settings.put(k, properties.getProperty(k).trim()));
        return settings;
    }

    private static void checkConf(String code, String where) throws IOException {
        Map<String, String> settings = settings(code);
        try {
            ClusterConfTest.registerSparkConfigEntries();
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        List<String> problems = ClusterConfTest.problems(settings);
        if (!problems.isEmpty()) {
            throw new ParagraphFailed(where + ": " + problems);
        }
        String jars = settings.getOrDefault("spark.jars", "");
        if (!jars.matches(".*synergy-spark-jobs-[^/]*-app\\.jar")) {
            throw new ParagraphFailed(where + ": spark.jars must name the shaded application jar, got '" + jars + "'");
        }
    }

    private static void checkChart(Paragraph p, ZeppelinDisplay z, String where) {
        if (p.chartColumns().isEmpty()) {
            return;
        }
        if (z.shownColumns().isEmpty()) {
            throw new ParagraphFailed(where + " has chart settings but shows no table");
        }
        List<String> shown = z.shownColumns().get(z.shownColumns().size() - 1);
        for (String column : p.chartColumns()) {
            if (!shown.contains(column)) {
                throw new ParagraphFailed(where + ": the chart uses column " + column + ", the table has " + shown);
            }
        }
    }
}
