package ai.synergy.metrics;

import ai.synergy.config.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CurvePlotTest {

    @TempDir
    Path dir;

    private static EpochMetrics epoch(int n, double loss, double top1, Double top5) {
        return new EpochMetrics(n, loss, 0.01 / n, top1, top5, 10_000, 1234.5 * n, 42.0 + n, 3.25, null, null);
    }

    private static BufferedImage readPng(Path png) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).as("readable PNG at %s", png).isNotNull();
        return image;
    }

    private static long distinctColours(BufferedImage image) {
        return Stream.iterate(0, y -> y < image.getHeight(), y -> y + 7)
                .flatMap(y -> Stream.iterate(0, x -> x < image.getWidth(), x -> x + 7).map(x -> image.getRGB(x, y)))
                .distinct().count();
    }

    private List<String> folderContents() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * The training panel plots every averaging round at epoch - 1 + round / rounds with its learning rate on the right
     * axis; the evaluation panel every head and the sparsity; labels are rounded and the accuracy axis runs from the
     * tenth below the lowest value to 1.
     */
    @Test
    void theTrainingPanelHasOnePointPerRoundAndTheOtherEveryHeadAndTheSparsity() {
        List<EpochMetrics.Round> first = List.of(new EpochMetrics.Round(1, 2.0, 0.1), new EpochMetrics.Round(2, 1.5, 0.1),
                new EpochMetrics.Round(3, 1.2, 0.1), new EpochMetrics.Round(4, 1.0, 0.05));
        List<EpochMetrics.Round> second = List.of(new EpochMetrics.Round(1, 0.9, 0.05),
                new EpochMetrics.Round(2, 0.8, 0.05), new EpochMetrics.Round(3, 0.7, 0.01),
                new EpochMetrics.Round(4, 0.65, 0.001));
        List<EpochMetrics> epochs = List.of(
                new EpochMetrics(1, 1.425, 0.05, 0.62, 0.9, 100, 10, 1, 1, java.util.Map.of("head_aux1", 0.55),
                        new EpochMetrics.Pruning("admm", 0.0, 0.4), first),
                new EpochMetrics(2, 0.7625, 0.001, 0.81, 0.95, 100, 10, 1, 1, java.util.Map.of("head_aux1", 0.7),
                        new EpochMetrics.Pruning("retrain", 0.8, null), second));
        CurvePlot.Panels panels = CurvePlot.panels(epochs);

        var loss = panels.training().getSeriesMap().get("train loss per round");
        assertThat(loss.getXData()).containsExactly(0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0);
        assertThat(loss.getYData()).containsExactly(2.0, 1.5, 1.2, 1.0, 0.9, 0.8, 0.7, 0.65);
        var rate = panels.training().getSeriesMap().get("learning rate (right axis)");
        assertThat(rate.getYAxisGroup()).isEqualTo(1);
        assertThat(rate.getYData()).containsExactly(0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.01, 0.001);
        assertThat(panels.training().getStyler().getYAxisGroupDecimalPatternMap()).containsEntry(0, "0.###");

        assertThat(panels.evaluation().getSeriesMap().keySet()).containsExactly("test top-1", "test top-5",
                "head_aux1 top-1", "sparsity");
        assertThat(panels.evaluation().getSeriesMap().get("sparsity").getYData()).containsExactly(0.0, 0.8);
        assertThat(panels.evaluation().getStyler().getYAxisMin()).isEqualTo(0.0);
        assertThat(panels.evaluation().getStyler().getYAxisMax()).isEqualTo(1.0);

        // a log without rounds: one point per epoch; the accuracy axis from the tenth below the lowest value
        CurvePlot.Panels old = CurvePlot.panels(List.of(epoch(1, 0.650233869974966, 0.878, 0.99)));
        assertThat(old.training().getSeriesMap().get("train loss").getXData()).containsExactly(1.0);
        assertThat(old.evaluation().getStyler().getYAxisMin()).isEqualTo(0.8);
    }

    @Test
    void roundsAreSummarizedToAtMostTheGivenNumberOfPoints() {
        List<EpochMetrics.Round> rounds = new java.util.ArrayList<>();
        for (int r = 1; r <= 10; r++) {
            rounds.add(new EpochMetrics.Round(r, r, 0.1 * r));
        }
        assertThat(EpochMetrics.Round.summarize(rounds, 10)).isEqualTo(rounds);
        // 10 rounds in 4 groups: 1-2, 3-5, 6-7, 8-10
        assertThat(EpochMetrics.Round.summarize(rounds, 4)).containsExactly(new EpochMetrics.Round(2, 1.5, 0.2),
                new EpochMetrics.Round(5, 4.0, 0.5), new EpochMetrics.Round(7, 6.5, 0.7000000000000001),
                new EpochMetrics.Round(10, 9.0, 1.0));
    }

    @Test
    void writesPngOfThreeEpochs() throws IOException {
        Path png = dir.resolve("curves.png");
        List<EpochMetrics> epochs = List.of(
                epoch(1, 0.92, 0.71, 0.95), epoch(2, 0.55, 0.80, 0.98), epoch(3, 0.41, 0.85, 0.99));
        CurvePlot.writePng(epochs, "Fashion-MNIST, 3 epochs", png);

        BufferedImage image = readPng(png);
        assertThat(image.getWidth()).isGreaterThan(100);
        assertThat(image.getHeight()).isGreaterThan(100);
        assertThat(image.getWidth()).as("two charts side by side").isGreaterThan(image.getHeight());
        assertThat(distinctColours(image)).isGreaterThan(3);
        assertThat(folderContents()).containsExactly("curves.png");

        // overwrite in place: still one file, still a valid PNG
        CurvePlot.writePng(epochs.subList(0, 2), "again", png);
        assertThat(readPng(png).getWidth()).isEqualTo(image.getWidth());
        assertThat(folderContents()).containsExactly("curves.png");
    }

    @Test
    void singleEpochWithoutTop5AndNaNLoss() throws IOException {
        Path png = dir.resolve("sub/one.png");
        CurvePlot.writePng(List.of(epoch(1, 2.3, 0.1, null)), "one epoch", png);
        BufferedImage image = readPng(png);
        assertThat(distinctColours(image)).isGreaterThan(3);

        Path nan = dir.resolve("nan.png");
        CurvePlot.writePng(List.of(epoch(1, Double.NaN, 0.1, null), epoch(2, 1.5, 0.2, null)), "diverged", nan);
        assertThat(readPng(nan).getWidth()).isGreaterThan(100);
        // no finite loss at all: the loss chart stays empty instead of failing
        Path allNaN = dir.resolve("all-nan.png");
        CurvePlot.writePng(List.of(epoch(1, Double.NaN, 0.1, null)), "diverged at once", allNaN);
        assertThat(readPng(allNaN).getWidth()).isGreaterThan(100);
    }

    @Test
    void emptyListIsRejected() {
        assertThatThrownBy(() -> CurvePlot.writePng(List.of(), "t", dir.resolve("x.png")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no epochs");
    }

    @Test
    void metricsLogRoundTrip() {
        EpochMetrics with = new EpochMetrics(3, 0.4123, 0.005, 0.8512, 0.9934, 10_000, 2500.75, 61.5, 4.25, null, null);
        EpochMetrics without = new EpochMetrics(4, 0.3911, 0.0025, 0.8601, null, 10_000, 2488.0, 62.0, 4.5, null, null);

        String withJson = MetricsLog.toJsonLine(with);
        String withoutJson = MetricsLog.toJsonLine(without);
        assertThat(withJson).doesNotContain("\n").contains("\"testTop5\":0.9934").contains("\"epoch\":3");
        assertThat(withoutJson).doesNotContain("\n").doesNotContain("testTop5").contains("\"testTop1\":0.8601");

        assertThat(MetricsLog.fromJsonLine(withJson)).isEqualTo(with);
        assertThat(MetricsLog.fromJsonLine(withoutJson)).isEqualTo(without);
        assertThat(MetricsLog.fromJsonLine(withoutJson).testTop5()).isNull();
    }

    @Test
    void metricsLogReadAllIgnoresUnknownKeysAndBlankLines() {
        EpochMetrics a = new EpochMetrics(1, 0.9, 0.01, 0.7, 0.95, 100, 10.0, 5.0, 1.0, null, null);
        EpochMetrics b = new EpochMetrics(2, Double.NaN, 0.01, 0.75, null, 100, 11.0, 5.5, 1.0, null, null);
        String bWithExtra = MetricsLog.toJsonLine(b).replaceFirst("\\{", "{\"addedLater\":{\"x\":[1,2]},");
        String text = MetricsLog.toJsonLine(a) + "\n\n" + bWithExtra + "\n";
        List<EpochMetrics> all = MetricsLog.readAll(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        assertThat(all).containsExactly(a, b);
        assertThat(all.get(1).trainLoss()).isNaN();
    }

    @Test
    void metricsLogBadLinesNameTheLine() {
        String text = MetricsLog.toJsonLine(new EpochMetrics(1, 0.9, 0.01, 0.7, null, 100, 10.0, 5.0, 1.0, null, null))
                + "\n{\"epoch\":2,\"trainLoss\":0.5\n";
        assertThatThrownBy(() -> MetricsLog.readAll(
                new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "out/metrics.jsonl"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("out/metrics.jsonl line 2")
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> MetricsLog.fromJsonLine("{\"epoch\":2,\"trainLoss\":0.5}"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("missing key \"learningRate\"");
    }
}
