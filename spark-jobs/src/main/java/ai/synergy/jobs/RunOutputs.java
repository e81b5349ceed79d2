package ai.synergy.jobs;

import ai.synergy.config.Credentials;
import ai.synergy.config.Json;
import ai.synergy.io.HadoopFiles;
import ai.synergy.metrics.CurvePlot;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.metrics.MetricsLog;
import ai.synergy.pruning.SparsityReport;
import ai.synergy.run.RunFolder;
import ai.synergy.training.EpochTimeSplit;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.function.Consumer;

/** Driver side: the files a training run leaves in its output folder, each written atomically. */
public final class RunOutputs {


    private RunOutputs() {
    }

    /** Rewrites {@code metrics.jsonl} and {@code curves.png} with every epoch so far. */
    public static void writeMetrics(HadoopFiles files, Path outDir, List<EpochMetrics> history, String title)
            throws IOException {
        StringBuilder lines = new StringBuilder();
        for (EpochMetrics m : history) {
            lines.append(MetricsLog.toJsonLine(m)).append('\n');
        }
        files.writeAtomically(new Path(outDir, RunFolder.METRICS), lines.toString());
        writeChart(files, new Path(outDir, RunFolder.CURVES), png -> CurvePlot.writePng(history, title, png));
    }

    /**
     * Records where epoch {@code epoch}'s training time went as one line of {@value RunFolder#TIME_SPLIT}, keeping the lines of
     * earlier epochs (also across {@code --resume}) and dropping any of this or later epochs from an abandoned run.
     */
    public static void writeTimeSplit(HadoopFiles files, Path outDir, int epoch, EpochTimeSplit split)
            throws IOException {
        Path target = new Path(outDir, RunFolder.TIME_SPLIT);
        StringBuilder lines = new StringBuilder();
        if (files.fileSystem().exists(target)) {
            for (String line : files.readString(target).split("\n")) {
                if (!line.isBlank() && Json.readTree(line, target.toString()).path("epoch").asInt() < epoch) {
                    lines.append(line).append('\n');
                }
            }
        }
        lines.append(Json.writeLine(new EpochTimeSplitLine(epoch, split))).append('\n');
        files.writeAtomically(target, lines.toString());
    }

    /** One line of {@value RunFolder#TIME_SPLIT}: the epoch and its time split. */
    record EpochTimeSplitLine(int epoch, @com.fasterxml.jackson.annotation.JsonUnwrapped EpochTimeSplit split) {
    }

    /** Draws a chart into a local temporary PNG and writes it to {@code target} (any Hadoop file system) atomically. */
    public static void writeChart(HadoopFiles files, Path target, Consumer<java.nio.file.Path> draw)
            throws IOException {
        java.nio.file.Path png = Files.createTempFile("synergy-chart", ".png");
        try {
            draw.accept(png);
            files.writeAtomically(target, Files.readAllBytes(png));
        } finally {
            Files.deleteIfExists(png);
        }
    }

    /** Writes the sparsity report of a pruned model as JSON. */
    public static void writeSparsity(HadoopFiles files, Path outDir, SparsityReport report) throws IOException {
        files.writeAtomically(new Path(outDir, RunFolder.SPARSITY), Json.write(new SparsitySummary(report)));
    }

    /** The JSON form of a sparsity report: its rows plus the derived totals a reader wants at a glance. */
    record SparsitySummary(List<SparsityReport.LayerSparsity> layers, double sparsity, long totalParameters,
                           long keptParameters, long denseExportBytes, long sparseExportBytes,
                           double compression) {
        SparsitySummary(SparsityReport r) {
            this(r.layers(), r.sparsity(), r.totalParameters(), r.keptParameters(), r.denseExportBytes(),
                    r.sparseExportBytes(), (double) r.denseExportBytes() / r.sparseExportBytes());
        }
    }

    /** Writes the final model and its provenance. */
    public static void writeModel(HadoopFiles files, Path outDir, ComputationGraph graph, String provenanceJson)
            throws IOException {
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        ModelSerializer.writeModel(graph, zip, false);
        files.writeAtomically(new Path(outDir, RunFolder.MODEL), zip.toByteArray());
        files.writeAtomically(new Path(outDir, RunFolder.MODEL_PROVENANCE), Credentials.redact(provenanceJson));
    }
}
