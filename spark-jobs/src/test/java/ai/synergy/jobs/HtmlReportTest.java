package ai.synergy.jobs;

import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** report.html from report.md: tables, the run folder's charts embedded, text escaped, reloading while running. */
class HtmlReportTest {
    private static final String MARKDOWN = """
            # Training run: resnet8 on fashion-mnist

            Not finished: epoch 1 of 2 done; the same command with `--resume` continues it.

            ![training loss and test accuracy per epoch](curves.png)

            ![elsewhere](https://example.org/x.png) ![missing](missing.png)

            | epoch | train loss | test top-1 |
            | --- | --- | --- |
            | 1 | 0.6502 | 80.10% |
            | 2 | 0.4501 | 85.20% |

            <script>alert("from a data set's name")</script>
            """;

    @Test
    void rendersTablesEmbedsTheRunsChartsAndEscapesRawHtml() throws Exception {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
        Map<String, byte[]> files = Map.of("curves.png", png);
        String html = HtmlReport.render(MARKDOWN, false, files::get);

        assertThat(html).startsWith("<!DOCTYPE html>").contains("<title>Training run: resnet8 on fashion-mnist</title>")
                .contains("<td>2</td>").contains("<td>85.20%</td>").contains("<th>train loss</th>")
                .contains("src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(png) + "\"")
                .contains("src=\"https://example.org/x.png\"")   // only the run folder's own files are embedded
                .contains("src=\"missing.png\"")
                .contains("&lt;script&gt;").doesNotContain("<script>")
                .doesNotContain("http-equiv=\"refresh\"");
        assertThat(html.lines().filter(l -> l.contains("<tr>"))).hasSize(3);
    }

    @Test
    void aRunningRunsPageReloadsItselfAndSaysSo() throws Exception {
        String html = HtmlReport.render(MARKDOWN, true, name -> null);
        assertThat(html).contains("<meta http-equiv=\"refresh\" content=\"" + HtmlReport.REFRESH_SECONDS + "\">")
                .contains("The run has not finished");
    }
}
