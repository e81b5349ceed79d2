package ai.synergy.jobs;

import ai.synergy.dataset.DataSpec;
import ai.synergy.testing.HeadlessChromium;
import ai.synergy.testing.IdxFixtures;
import ai.synergy.testing.LocalSparkTest;
import ai.synergy.training.TrainConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * report.html of a real training run, opened in headless Chromium as a user would: it loads with no console message,
 * its DOM holds one table row per epoch and the chart as an embedded image, and its screenshot shows the chart (not a
 * blank page); the page of the interrupted run reloads itself, the finished one does not.
 */
@Tag("integration")
class ReportInBrowserTest extends LocalSparkTest {
    @Test
    void theTrainingReportLoadsCleanlyWithItsRowsAndItsChartDrawn() throws Exception {
        HeadlessChromium chromium = HeadlessChromium.require(dir);
        DataSpec data = IdxFixtures.dataSpec(dir.resolve("data"), 256, 128, 3);
        TrainConfig config = TrainConfig.builder().data(data).model("resnet8").width(0.5).epochs(2).workers(2)
                .batchSizePerWorker(32).averagingFrequency(2).evalBatchSize(128).seed(3).build();
        Path run = dir.resolve("run");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        new TrainJob(jsc, config, new TrainJob.RunOptions(run.toString(), false, 1), quiet).run();
        Path page = run.resolve("report.html");
        assertThat(Files.readString(page)).contains("http-equiv=\"refresh\"");   // epoch 1 of 2: still going

        new TrainJob(jsc, config, new TrainJob.RunOptions(run.toString(), true, 0), quiet).run();
        String html = Files.readString(page);
        assertThat(html).doesNotContain("http-equiv=\"refresh\"");

        HeadlessChromium.Loaded loaded = chromium.load(page);
        assertThat(loaded.console()).as("console messages").isEmpty();
        assertThat(loaded.dom()).contains("<title>Training run: resnet8");
        // the per-epoch table: rows for epochs 1 and 2 (first cell), and the chart as an embedded PNG
        assertThat(Pattern.compile("<tr>\\s*<td>([12])</td>").matcher(loaded.dom()).results().count()).isEqualTo(2);
        Matcher image = Pattern.compile("<img src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(loaded.dom());
        assertThat(image.find()).as("an embedded chart").isTrue();
        assertThat(java.util.Base64.getDecoder().decode(image.group(1))).isEqualTo(Files.readAllBytes(
                run.resolve("curves.png")));

        Path shot = dir.resolve("report.png");
        chromium.screenshot(page, 1200, 1000, shot);
        BufferedImage picture = ImageIO.read(shot.toFile());
        long coloured = 0;
        long drawn = 0;
        for (int y = 0; y < picture.getHeight(); y++) {
            for (int x = 0; x < picture.getWidth(); x++) {
                int rgb = picture.getRGB(x, y) & 0xffffff;
                int r = rgb >> 16;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                drawn += rgb != 0xffffff ? 1 : 0;
                coloured += Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 60 ? 1 : 0;
            }
        }
        long pixels = (long) picture.getWidth() * picture.getHeight();
        assertThat(drawn).as("pixels that are not white").isGreaterThan(pixels / 50);
        assertThat(coloured).as("coloured pixels: the chart's lines and legend, not only black text").isGreaterThan(200);
    }
}
