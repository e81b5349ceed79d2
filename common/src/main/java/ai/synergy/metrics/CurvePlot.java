package ai.synergy.metrics;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import javax.imageio.ImageIO;

/**
 * Draws a run's charts into one PNG with XChart: training loss and learning rate per averaging round beside test
 * accuracy (per head) and sparsity per epoch; for a
 * quantization run, test accuracy and the quantized fraction of the weights per round; for prepared shards, images per
 * shard and per class.
 */
public final class CurvePlot {

    private static final int CHART_WIDTH = 640;
    private static final int CHART_HEIGHT = 440;
    private static final int TITLE_HEIGHT = 40;

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private CurvePlot() {
    }

    /**
     * Writes the curves of {@code epochs} to {@code png} under the given title. The image is written to a temporary
     * file in the same folder and renamed into place, so {@code png} is either the old file or the complete new one.
     * Non-finite values (a diverged loss) are left out of the curves.
     */
    public static void writePng(List<EpochMetrics> epochs, String title, Path png) {
        if (epochs == null || epochs.isEmpty()) {
            throw new IllegalArgumentException("no epochs to plot into " + png);
        }
        writeImage(render(epochs, title == null ? "" : title), png, "training curves");
    }

    /** Writes a quantization run's per-round curves to {@code png} (same atomic replace as {@link #writePng}). */
    public static void writeRoundsPng(List<RoundMetrics> rounds, String title, Path png) {
        if (rounds == null || rounds.isEmpty()) {
            throw new IllegalArgumentException("no rounds to plot into " + png);
        }
        XYChart accuracy = chart("Test accuracy after each round", "accuracy", "round");
        addSeries(accuracy, "top-1", rounds, RoundMetrics::round, RoundMetrics::testTop1);
        addSeries(accuracy, "top-5", rounds, RoundMetrics::round, RoundMetrics::testTop5);
        XYChart frozen = chart("Weights quantized", "fraction", "round");
        addSeries(frozen, "quantized fraction", rounds, RoundMetrics::round, RoundMetrics::frozenFraction);
        writeImage(sideBySide(accuracy, frozen, title == null ? "" : title), png, "quantization curves");
    }

    /**
     * Writes an accuracy-against-size chart to {@code png} (same atomic replace as {@link #writePng}): one line per
     * accuracy series (e.g. natural, PGD-20), one point per model, x its size in KiB; the models' names label the x
     * axis' title in order. Non-finite values are left out.
     *
     * @param models   the models' names, in order
     * @param sizeKiB  each model's size in KiB
     * @param accuracy accuracy series by name, one value per model
     */
    public static void writeSizeAccuracyPng(List<String> models, List<Double> sizeKiB,
                                            Map<String, List<Double>> accuracy, String title, Path png) {
        if (models.isEmpty() || models.size() != sizeKiB.size()) {
            throw new IllegalArgumentException("no models (or sizes that do not match them) to plot into " + png);
        }
        XYChart chart = new XYChartBuilder().width(2 * CHART_WIDTH).height(CHART_HEIGHT)
                .title("Test accuracy against model size").xAxisTitle("model size, KiB (" + String.join(" -> ",
                        models) + ")").yAxisTitle("accuracy").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        accuracy.forEach((name, values) -> {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int i = 0; i < Math.min(values.size(), sizeKiB.size()); i++) {
                Double v = values.get(i);
                if (v != null && Double.isFinite(v) && Double.isFinite(sizeKiB.get(i))) {
                    xs.add(sizeKiB.get(i));
                    ys.add(v);
                }
            }
            if (!xs.isEmpty()) {
                chart.addSeries(name, xs, ys).setMarker(SeriesMarkers.CIRCLE);
            }
        });
        BufferedImage image = BitmapEncoder.getBufferedImage(chart);
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight() + TITLE_HEIGHT,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            g.setColor(Color.BLACK);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString(title == null ? "" : title, 10, 26);
            g.drawImage(image, 0, TITLE_HEIGHT, null);
        } finally {
            g.dispose();
        }
        writeImage(out, png, "size-accuracy chart");
    }

    /**
     * Writes prepared shards' balance to {@code png}: images per shard (one bar series per split) and images per class
     * of the first split.
     */
    public static void writeShardsPng(Map<String, List<Integer>> imagesPerShard,
                                      Map<String, List<Integer>> imagesPerClass, String title, Path png) {
        if (imagesPerShard.isEmpty()) {
            throw new IllegalArgumentException("no shards to plot into " + png);
        }
        CategoryChart shards = bars("Images per shard", "shard", "images");
        imagesPerShard.forEach((split, counts) -> shards.addSeries(split, indexes(counts.size()), counts));
        CategoryChart classes = bars("Images per class", "class", "images");
        imagesPerClass.forEach((split, counts) -> classes.addSeries(split, indexes(counts.size()), counts));
        classes.getStyler().setXAxisTicksVisible(imagesPerClass.values().stream().allMatch(c -> c.size() <= 40));
        writeImage(sideBySide(shards, classes, title == null ? "" : title), png, "shard balance chart");
    }

    private static CategoryChart bars(String title, String xTitle, String yTitle) {
        CategoryChart chart = new CategoryChartBuilder().width(CHART_WIDTH)
                .height(CHART_HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setOverlapped(false);
        return chart;
    }

    private static List<Integer> indexes(int n) {
        List<Integer> xs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            xs.add(i);
        }
        return xs;
    }

    private static void writeImage(BufferedImage image, Path png, String what) {
        Path absolute = png.toAbsolutePath();
        Path dir = absolute.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + absolute.getFileName() + ".", ".tmp");
            if (!ImageIO.write(image, "png", tmp.toFile())) {
                throw new IllegalStateException("no PNG writer available in this JVM");
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + what + " to " + png + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the write already failed and that error is the one to report
                }
            }
        }
    }

    /** The whole picture: a title strip above the loss chart and the accuracy chart. */
    static BufferedImage render(List<EpochMetrics> epochs, String title) {
        Panels panels = panels(epochs);
        return sideBySide(panels.training(), panels.evaluation(), title);
    }

    /** The two charts of a training run. */
    record Panels(XYChart training, XYChart evaluation) {
    }

    /**
     * Left: training loss (left axis) and learning rate (right axis) per averaging round, at x = epoch - 1 + round /
     * rounds, so that an epoch's last round sits on its epoch number (per epoch, at x = epoch, for logs without
     * rounds). Right: after every epoch, test top-1 and top-5, every deeply supervised head, and the sparsity of a
     * pruning run, all fractions on one axis. Axis labels are rounded (no 15-digit loss labels).
     */
    static Panels panels(List<EpochMetrics> epochs) {
        XYChart training = chart("Training loss and learning rate", "loss", "epoch");
        List<double[]> loss = new ArrayList<>();
        List<double[]> rate = new ArrayList<>();
        for (EpochMetrics m : epochs) {
            if (m.rounds() == null || m.rounds().isEmpty()) {
                loss.add(new double[]{m.epoch(), m.trainLoss()});
                rate.add(new double[]{m.epoch(), m.learningRate()});
                continue;
            }
            int rounds = m.rounds().get(m.rounds().size() - 1).round();
            for (EpochMetrics.Round r : m.rounds()) {
                double x = m.epoch() - 1 + (double) r.round() / rounds;
                loss.add(new double[]{x, r.loss()});
                rate.add(new double[]{x, r.learningRate()});
            }
        }
        boolean perRound = loss.size() > epochs.size();
        addPoints(training, perRound ? "train loss per round" : "train loss", loss, 0);
        XYSeries lr = addPoints(training, "learning rate (right axis)", rate, 1);
        training.setYAxisGroupTitle(1, "learning rate");
        training.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        training.getStyler().putYAxisGroupDecimalPatternMap(0, "0.###");
        training.getStyler().putYAxisGroupDecimalPatternMap(1, "0.#####");
        int lastEpoch = epochs.get(epochs.size() - 1).epoch();
        int firstEpoch = epochs.get(0).epoch();
        training.getStyler().setXAxisMin(perRound ? firstEpoch - 1.0 : firstEpoch);
        training.getStyler().setXAxisMax((double) lastEpoch);
        training.getStyler().setXAxisDecimalPattern(lastEpoch - firstEpoch < 3 ? "0.###" : "0");
        if (lr != null) {
            lr.setMarker(SeriesMarkers.NONE);
            lr.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f,
                    new float[]{6f, 4f}, 0f));
        }
        if (perRound) {
            training.getStyler().setMarkerSize(3);
        }

        XYChart evaluation = chart("After each epoch", "accuracy / fraction", "epoch");
        Map<String, List<double[]>> fractions = new LinkedHashMap<>();
        for (EpochMetrics m : epochs) {
            fractions.computeIfAbsent("test top-1", k -> new ArrayList<>()).add(new double[]{m.epoch(), m.testTop1()});
            if (m.testTop5() != null) {
                fractions.computeIfAbsent("test top-5", k -> new ArrayList<>())
                        .add(new double[]{m.epoch(), m.testTop5()});
            }
            if (m.headTop1() != null) {
                m.headTop1().forEach((head, top1) -> fractions.computeIfAbsent(head + " top-1",
                        k -> new ArrayList<>()).add(new double[]{m.epoch(), top1}));
            }
            if (m.pruning() != null) {
                fractions.computeIfAbsent("sparsity", k -> new ArrayList<>())
                        .add(new double[]{m.epoch(), m.pruning().sparsity()});
            }
        }
        double low = 1;
        for (Map.Entry<String, List<double[]>> e : fractions.entrySet()) {
            if (addPoints(evaluation, e.getKey(), e.getValue(), 0) != null) {
                low = Math.min(low, e.getValue().stream().mapToDouble(p -> p[1]).filter(Double::isFinite).min()
                        .orElse(low));
            }
        }
        // from the tenth below the lowest value to 1: differences stay visible, and a single epoch is not a lone
        // point on an axis of one value
        evaluation.getStyler().setYAxisMin(Math.max(0, Math.floor(low * 10 - 1e-9) / 10));
        evaluation.getStyler().setYAxisMax(1.0);
        evaluation.getStyler().setYAxisDecimalPattern("0.0#");
        evaluation.getStyler().setXAxisDecimalPattern("0");
        if (fractions.size() > 2) {   // heads and sparsity: a legend beside the chart, one series a line
            evaluation.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
            evaluation.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
        }
        return new Panels(training, evaluation);
    }

    /** Adds the finite points as a line on y-axis {@code group}; null (nothing added) when none is finite. */
    private static XYSeries addPoints(XYChart chart, String name, List<double[]> points, int group) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (double[] p : points) {
            if (Double.isFinite(p[0]) && Double.isFinite(p[1])) {
                xs.add(p[0]);
                ys.add(p[1]);
            }
        }
        if (xs.isEmpty()) {
            return null;
        }
        XYSeries series = chart.addSeries(name, xs, ys);
        series.setMarker(SeriesMarkers.CIRCLE);
        series.setYAxisGroup(group);
        return series;
    }

    /** A title strip above two charts side by side. */
    private static BufferedImage sideBySide(Chart<?, ?> leftChart,
                                            Chart<?, ?> rightChart, String title) {
        BufferedImage left = BitmapEncoder.getBufferedImage(leftChart);
        BufferedImage right = BitmapEncoder.getBufferedImage(rightChart);
        BufferedImage out = new BufferedImage(left.getWidth() + right.getWidth(),
                TITLE_HEIGHT + Math.max(left.getHeight(), right.getHeight()), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
            FontMetrics fm = g.getFontMetrics();
            int x = Math.max(4, (out.getWidth() - fm.stringWidth(title)) / 2);
            int y = (TITLE_HEIGHT - fm.getHeight()) / 2 + fm.getAscent();
            g.drawString(title, x, y);
            g.drawImage(left, 0, TITLE_HEIGHT, null);
            g.drawImage(right, left.getWidth(), TITLE_HEIGHT, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    private static XYChart chart(String title, String yTitle, String xTitle) {
        XYChart chart = new XYChartBuilder().width(CHART_WIDTH).height(CHART_HEIGHT)
                .title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        return chart;
    }

    /** Adds the finite values of one metric as a line with markers; adds nothing when there are none. */
    private static <T> void addSeries(XYChart chart, String name, List<T> points, Function<T, Integer> x,
                                      Function<T, ? extends Number> metric) {
        List<Integer> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (T m : points) {
            Number v = metric.apply(m);
            if (v != null && Double.isFinite(v.doubleValue())) {
                xs.add(x.apply(m));
                ys.add(v.doubleValue());
            }
        }
        if (xs.isEmpty()) {
            return;
        }
        XYSeries series = chart.addSeries(name, xs, ys);
        series.setMarker(SeriesMarkers.CIRCLE);
    }
}
