package ai.synergy.chain;

import ai.synergy.config.Json;
import ai.synergy.io.HadoopFiles;
import ai.synergy.jobs.HtmlReport;
import ai.synergy.jobs.RunOutputs;
import ai.synergy.metrics.CurvePlot;
import ai.synergy.run.RunFolder;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Driver side: a chain's {@code report.md} and {@code report.html} (one table row per done stage) and its
 * accuracy-against-size chart ({@value #CHART}), rewritten after every stage.
 */
public final class ChainReport {
    /** The chart beside the report. */
    public static final String CHART = "robust-compression.png";

    private ChainReport() {
    }

    static void write(HadoopFiles files, Path outDir, ChainState state) throws IOException {
        List<StageResult> stages = state.stages();
        if (!stages.isEmpty()) {
            List<String> names = new ArrayList<>();
            List<Double> kib = new ArrayList<>();
            Map<String, List<Double>> accuracy = new LinkedHashMap<>();
            accuracy.put("natural", new ArrayList<>());
            accuracy.put("PGD-" + state.config().evalPgdSteps(), new ArrayList<>());
            accuracy.put("APGD-CE", new ArrayList<>());
            for (StageResult r : stages) {
                names.add(r.stage());
                kib.add(r.compactBytes() / 1024.0);
                accuracy.get("natural").add(r.naturalTop1());
                accuracy.get("PGD-" + state.config().evalPgdSteps()).add(r.pgdTop1());
                accuracy.get("APGD-CE").add(r.apgdTop1());
            }
            RunOutputs.writeChart(files, new Path(outDir, CHART), png -> CurvePlot.writeSizeAccuracyPng(names, kib,
                    accuracy, "robust-compress " + state.config().model(), png));
        }
        String markdown = render(state);
        files.writeAtomically(new Path(outDir, RunFolder.REPORT), markdown);
        HtmlReport.write(files, outDir, markdown, state.finishedAt() == null);
    }

    static String render(ChainState state) {
        ChainConfig c = state.config();
        StringBuilder md = new StringBuilder();
        md.append("# Robust compression chain: ").append(c.model()).append(" on ").append(c.data().name())
                .append("\n\n");
        int all = c.stages().size();
        md.append(state.finishedAt() != null
                ? "Finished: all " + all + " stages (" + state.finishedAt() + ").\n\n"
                : "Not finished: " + state.stages().size() + " of " + all + " stages done; continue with "
                + "`synergy robust-compress ... --resume`.\n\n");
        if (!state.stages().isEmpty()) {
            md.append("![test accuracy against model size](").append(CHART).append(")\n\n");
        }
        md.append(String.format("Robust accuracy: PGD-%d (eps %s, step %s, random start) and APGD-CE (eps %s, %d "
                        + "iterations) on the %s test images.%n%n", c.evalPgdSteps(), c.adversarial().attack().eps(),
                c.evalStep(), c.adversarial().attack().eps(), c.apgdBudget(),
                state.stages().isEmpty() ? "" : String.valueOf(state.stages().get(0).examples())));
        md.append("| stage | natural % | PGD-").append(c.evalPgdSteps()).append(" % | APGD-CE % | nonzero params | "
                + "sparsity | compact size (bytes) | sparse float32 (bytes) | export file (bytes) |\n");
        md.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (StageResult r : state.stages()) {
            md.append(String.format("| %s | %.2f | %.2f | %.2f | %d of %d | %.4f | %d | %d | %d (%s) |%n",
                    r.label(), 100 * r.naturalTop1(), 100 * r.pgdTop1(), 100 * r.apgdTop1(), r.nonzeroParameters(),
                    r.totalParameters(), r.sparsity(), r.compactBytes(), r.sparseBytes(), r.exportBytes(),
                    r.exportFile()));
        }
        md.append("\nSparsity counts the conv and dense weights; nonzero params count every parameter. Sparse "
                + "float32: each nonzero conv and dense weight as float32 plus the cheaper of a bitmap or int32 "
                + "indices per layer, every other parameter dense (an encoding's size, not a file synergy writes). "
                + "Export file: the stage's `model-compact.zip` (INQ: codebook indices) or its `model.zip` (float32, "
                + "zip-compressed). Compact size, the chart's axis: the compact export where there is one, else the "
                + "smaller of the other two. Each stage's own run folder holds its report, curves and model.\n\n");
        md.append("## Configuration\n\n```json\n").append(Json.write(c).strip()).append("\n```\n");
        return md.toString();
    }
}
