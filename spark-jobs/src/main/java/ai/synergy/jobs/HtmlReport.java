package ai.synergy.jobs;

import ai.synergy.io.HadoopFiles;
import ai.synergy.run.RunFolder;
import org.apache.hadoop.fs.Path;
import org.commonmark.Extension;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.AbstractVisitor;
import org.commonmark.node.Heading;
import org.commonmark.node.Image;
import org.commonmark.node.Node;
import org.commonmark.node.Text;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;

import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Driver side: {@code report.html}, the run's {@code report.md} as a web page that needs nothing but the file: the
 * Markdown rendered by CommonMark (tables as GitHub-flavoured Markdown, raw HTML in the text escaped), the style
 * inline, and every image the report shows that lies in the run folder (its charts) embedded as a data URI, so that
 * the page can be mailed, attached to a ticket or opened from HDFS through a download. While the run goes on, the
 * page reloads itself every {@value #REFRESH_SECONDS} s; a finished run's page does not. Written by {@link RunReport}
 * for train, quantize and prepare, and by the robust-compress chain for its report.
 */
public final class HtmlReport {
    /** Seconds between reloads of a running run's page. */
    static final int REFRESH_SECONDS = 30;

    private static final List<Extension> EXTENSIONS = List.of(TablesExtension.create());
    private static final Parser PARSER = Parser.builder().extensions(EXTENSIONS).build();
    private static final HtmlRenderer RENDERER = HtmlRenderer.builder().extensions(EXTENSIONS).escapeHtml(true)
            .build();
    private static final String STYLE = """
            body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;max-width:1100px;\
            padding:0 1em;color:#1b1b1b;line-height:1.45}
            h1{font-size:1.6em;border-bottom:1px solid #ddd;padding-bottom:.3em}h2{font-size:1.25em;margin-top:1.6em}
            table{border-collapse:collapse;margin:.6em 0;font-variant-numeric:tabular-nums}
            th,td{border:1px solid #d0d0d0;padding:.25em .6em;text-align:right}th{background:#f3f3f3}
            td:first-child,th:first-child{text-align:left}tr:nth-child(even) td{background:#fafafa}
            img{max-width:100%;height:auto;border:1px solid #eee}
            pre,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
            pre{background:#f6f6f6;padding:.8em;overflow-x:auto}
            .running{background:#fff6d6;border:1px solid #e8d48a;padding:.4em .8em}""";

    private HtmlReport() {
    }

    /**
     * Writes {@code report.html} beside the report (atomically), from {@code markdown}, the report's text.
     *
     * @param running whether the run is still going (the page then reloads itself)
     */
    public static void write(HadoopFiles files, Path outDir, String markdown, boolean running) throws IOException {
        String html = render(markdown, running, name -> {
            Path image = new Path(outDir, name);
            return files.fileSystem().exists(image) ? files.readBytes(image) : null;
        });
        files.writeAtomically(new Path(outDir, RunFolder.REPORT_HTML), html);
    }

    /** The images a report links, by their relative name: the bytes, or null when there is none. */
    @FunctionalInterface
    interface Images {
        byte[] read(String name) throws IOException;
    }

    /** The page for {@code markdown}; {@code images} gives the bytes of the PNG files it links by relative name. */
    static String render(String markdown, boolean running, Images images) throws IOException {
        Node document = PARSER.parse(markdown);
        IOException[] failure = new IOException[1];
        String[] title = {"synergy run"};
        document.accept(new AbstractVisitor() {
            @Override
            public void visit(Image image) {
                String name = image.getDestination();
                if (failure[0] != null || name.contains(":") || name.startsWith("/")
                        || !name.toLowerCase(Locale.ROOT).endsWith(".png")) {
                    return;   // only the run folder's own charts are embedded
                }
                try {
                    byte[] png = images.read(name);
                    if (png != null) {
                        image.setDestination("data:image/png;base64," + Base64.getEncoder().encodeToString(png));
                    }
                } catch (IOException e) {
                    failure[0] = e;
                }
            }

            @Override
            public void visit(Heading heading) {
                if (heading.getLevel() == 1 && heading.getFirstChild() instanceof Text text) {
                    title[0] = text.getLiteral();
                }
                visitChildren(heading);
            }
        });
        if (failure[0] != null) {
            throw failure[0];
        }
        StringBuilder html = new StringBuilder(markdown.length() * 2);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        if (running) {
            html.append("<meta http-equiv=\"refresh\" content=\"").append(REFRESH_SECONDS).append("\">\n");
        }
        html.append("<title>").append(escape(title[0])).append("</title>\n<style>\n").append(STYLE)
                .append("\n</style>\n</head>\n<body>\n");
        if (running) {
            html.append("<p class=\"running\">The run has not finished: this page reloads itself every ")
                    .append(REFRESH_SECONDS).append(" s.</p>\n");
        }
        html.append(RENDERER.render(document)).append("</body>\n</html>\n");
        return html.toString();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
