package ai.synergy.notebook;

import ai.synergy.testing.IdxFixtures;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Executes every Zeppelin notebook under {@code notebooks/} on tiny data (notebook parameters overridden through
 * {@code synergy.notebook.*} system properties) in an embedded Scala 2.12 interpreter bound to a local SparkSession:
 * changing a job's API without fixing the notebooks breaks the build.
 */
@Tag("integration")
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class NotebooksTest {
    static final Path NOTEBOOKS = Path.of("..", "notebooks").toAbsolutePath().normalize();
    static final Map<String, String> TINY = Map.ofEntries(
            Map.entry("trainImages", "384"), Map.entry("testImages", "128"), Map.entry("epochs", "1"),
            Map.entry("model", "resnet8"), Map.entry("workers", "2"), Map.entry("run", "test"),
            Map.entry("admmEpochs", "1"), Map.entry("retrainEpochs", "1"), Map.entry("ratios", "0.8"),
            Map.entry("portions", "0.5,1"), Map.entry("epochsPerRound", "1"), Map.entry("bits", "5"),
            Map.entry("evalPgdSteps", "5"), Map.entry("apgdBudget", "5"));

    @TempDir
    static Path dir;
    static SparkSession spark;

    @BeforeAll
    static void start() throws IOException {
        Path data = IdxFixtures.write(dir.resolve("fashion"), 384, 128, 5);
        TINY.forEach((k, v) -> System.setProperty(Synergy.PARAM_PREFIX + k, v));
        System.setProperty(Synergy.PARAM_PREFIX + "fashionMnist", data.toString());
        System.setProperty(Synergy.PARAM_PREFIX + "root", dir.resolve("runs").toString());
        // Spark as Zeppelin starts it for these notes: their %spark.conf settings (all notes share them), local[2]
        Map<String, String> conf = NotebookRunner.sparkConf(notebooks().get(0));
        for (Path note : notebooks()) {
            assertThat(NotebookRunner.sparkConf(note)).as("%%spark.conf of %s", note).isEqualTo(conf);
        }
        SparkConf sparkConf = new SparkConf(false).setAppName("notebooks").setMaster("local[2]")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.ui.enabled", "false");
        conf.forEach((k, v) -> {
            if (!k.equals("spark.jars")) {
                sparkConf.set(k, v);
            }
        });
        spark = SparkSession.builder().config(sparkConf).getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        TINY.keySet().forEach(k -> System.clearProperty(Synergy.PARAM_PREFIX + k));
        System.clearProperty(Synergy.PARAM_PREFIX + "fashionMnist");
        System.clearProperty(Synergy.PARAM_PREFIX + "root");
    }

    static List<Path> notebooks() throws IOException {
        try (Stream<Path> files = Files.list(NOTEBOOKS)) {
            return files.filter(p -> p.toString().endsWith(".zpln")).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyNotebookRunsToItsLastParagraph() throws IOException {
        List<Path> notes = notebooks();
        assertThat(notes).hasSizeGreaterThanOrEqualTo(5);
        // -Dsynergy.notebooks.only=05 runs the notes whose names start so (one note while working on it)
        String only = System.getProperty("synergy.notebooks.only", "");
        return notes.stream().filter(note -> note.getFileName().toString().startsWith(only)).map(note -> DynamicTest.dynamicTest(note.getFileName().toString(), () -> {
            Map<String, String> outputs = NotebookRunner.run(note, spark);
            List<NotebookRunner.Paragraph> paragraphs = NotebookRunner.paragraphs(note);
            assertThat(paragraphs.get(0).interpreter()).isEqualTo("md");
            assertThat(paragraphs).extracting(NotebookRunner.Paragraph::interpreter).contains("spark.conf", "spark");
            // the last paragraph ran and showed a table with rows
            String last = outputs.get(paragraphs.get(paragraphs.size() - 1).title());
            assertThat(last).contains("%table");
            assertThat(last.lines().count()).as("rows in the last table of %s", note).isGreaterThan(1);
        }));
    }

    @Test
    void aFailingParagraphFailsTheNotebook() throws IOException {
        String note = Files.readString(notebooks().get(0));
        // break the first Scala paragraph after the settings the way an API change would
        Path broken = dir.resolve("broken.zpln");
        Files.writeString(broken, note.replace("Synergy.convert(spark,", "Synergy.convertNoMore(spark,"));
        assertThatThrownBy(() -> NotebookRunner.run(broken, spark))
                .isInstanceOf(NotebookRunner.ParagraphFailed.class)
                .hasMessageContaining("broken.zpln").hasMessageContaining("Fashion-MNIST as an ILSVRC folder")
                .hasMessageContaining("convertNoMore");
        // a chart naming a column its table does not have fails too
        Path badChart = dir.resolve("bad-chart.zpln");
        Files.writeString(badChart, """
                {"paragraphs": [{"title": "chart", "text": "%spark\\nz.show(spark.range(3).toDF(\\"epoch\\"))",
                  "config": {"results": {"0": {"graph": {"mode": "lineChart",
                    "keys": [{"name": "epoch"}], "values": [{"name": "testTop6"}]}}}}}]}
                """);
        assertThatThrownBy(() -> NotebookRunner.run(badChart, spark))
                .isInstanceOf(NotebookRunner.ParagraphFailed.class).hasMessageContaining("testTop6");
    }
}
