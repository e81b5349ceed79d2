package ai.synergy.jobs;

import ai.synergy.checkpoint.CheckpointState;
import ai.synergy.checkpoint.CheckpointStore;
import ai.synergy.checkpoint.HadoopFiles;
import ai.synergy.checkpoint.QuantizeState;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import ai.synergy.metrics.CurvePlot;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.metrics.MetricsLog;
import ai.synergy.metrics.RoundMetrics;
import ai.synergy.run.RunFolder;
import ai.synergy.sharding.ShardManifest;
import org.apache.hadoop.fs.Path;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Driver side: {@code report.md} of a run folder, from the folder's own files: status, the chart, the final metrics,
 * one table row per epoch (training) or round (quantization), and the configuration with the data fingerprint and
 * code revision; for {@code prepare}'s output, the shards' balance. The jobs rewrite it after every epoch or round
 * (prepare when it finishes); {@code synergy report <run>} regenerates it and its charts from the files alone.
 */
public final class RunReport {
    /** The report's file name. */
    public static final String REPORT = "report.md";
    /** A quantization run's chart. */
    public static final String ROUNDS_CHART = "rounds.png";
    /** Prepared shards' chart. */
    public static final String SHARDS_CHART = "shards.png";

    private RunReport() {
    }

    /**
     * Writes {@code report.md} of the run in {@code outDir} (atomically); with {@code charts}, redraws its PNG chart
     * first.
     *
     * @return the report's path
     * @throws InvalidInputException when the folder holds neither a training nor a quantization run
     */
    public static Path write(HadoopFiles files, Path outDir, boolean charts) throws IOException {
        String text;
        if (files.fileSystem().exists(new Path(outDir, RunOutputs.METRICS))) {
            text = trainingReport(files, outDir, charts);
        } else if (files.fileSystem().exists(new Path(outDir, QuantizeJob.ROUNDS))) {
            text = quantizationReport(files, outDir, charts);
        } else if (files.fileSystem().exists(new Path(outDir, ShardManifest.FILE))) {
            text = shardsReport(files, outDir, charts);
        } else {
            throw new InvalidInputException(outDir + ": no " + RunOutputs.METRICS + ", " + QuantizeJob.ROUNDS + " or "
                    + ShardManifest.FILE + " there, so not the output folder of a train, quantize or prepare run");
        }
        Path report = new Path(outDir, REPORT);
        files.writeAtomically(report, text);
        return report;
    }

    private static String trainingReport(HadoopFiles files, Path outDir, boolean charts) throws IOException {
        Path metricsFile = new Path(outDir, RunOutputs.METRICS);
        List<EpochMetrics> epochs = MetricsLog.readAll(new ByteArrayInputStream(files.readBytes(metricsFile)),
                metricsFile.toString());
        if (epochs.isEmpty()) {
            throw new InvalidInputException(metricsFile + ": no epochs yet");
        }
        boolean finished = finished(files, outDir);
        CheckpointState state = finished
                ? readState(files, new Path(outDir, RunOutputs.MODEL_PROVENANCE), CheckpointState.class)
                : CheckpointStore.ofEpochs(files, outDir).latest().map(CheckpointStore.Checkpoint::state).orElse(null);
        String model = state == null ? "model" : state.config().model().architecture().canonicalName();
        String data = state == null ? "" : " on " + state.config().data().name();
        if (charts) {
            RunOutputs.writeChart(files, new Path(outDir, RunOutputs.CURVES), png -> CurvePlot.writePng(epochs, model, png));
        }
        EpochMetrics last = epochs.get(epochs.size() - 1);
        StringBuilder md = new StringBuilder();
        md.append("# Training run: ").append(model).append(data).append("\n\n");
        md.append(status(finished, "epoch", last.epoch(), state == null ? 0 : state.config().totalEpochs()));
        md.append("![training loss and test accuracy per epoch](").append(RunOutputs.CURVES).append(")\n\n");
        md.append("## Final metrics (epoch ").append(last.epoch()).append(")\n\n");
        md.append("| test top-1 | test top-5 | train loss | test images | training images/s |\n");
        md.append("| --- | --- | --- | --- | --- |\n");
        md.append(String.format("| %s | %s | %s | %d | %.0f |%n%n", pct(last.testTop1()), pct(last.testTop5()),
                num(last.trainLoss()), last.testExamples(), last.imagesPerSecond()));
        if (last.headTop1() != null) {
            md.append("Per head (top-1): ");
            List<String> heads = new ArrayList<>();
            last.headTop1().forEach((head, top1) -> heads.add(head + " " + pct(top1)));
            md.append(String.join(", ", heads)).append("\n\n");
        }
        if (finished && files.fileSystem().exists(new Path(outDir, RunOutputs.SPARSITY))) {
            md.append("Pruned: per-layer kept weights in [").append(RunOutputs.SPARSITY).append("](")
                    .append(RunOutputs.SPARSITY).append(").\n\n");
        }
        boolean pruning = epochs.stream().anyMatch(m -> m.pruning() != null);
        md.append("## Per epoch\n\n");
        md.append("| epoch | train loss | learning rate | test top-1 | test top-5 | images/s | seconds |")
                .append(pruning ? " stage | sparsity |" : "").append('\n');
        md.append("| --- | --- | --- | --- | --- | --- | --- |").append(pruning ? " --- | --- |" : "").append('\n');
        for (EpochMetrics m : epochs) {
            md.append(String.format("| %d | %s | %.5f | %s | %s | %.0f | %.1f |", m.epoch(), num(m.trainLoss()),
                    m.learningRate(), pct(m.testTop1()), pct(m.testTop5()), m.imagesPerSecond(), m.epochSeconds()));
            if (pruning) {
                md.append(m.pruning() == null ? " | |" : String.format(" %s | %s |", m.pruning().stage(),
                        pct(m.pruning().sparsity())));
            }
            md.append('\n');
        }
        md.append('\n');
        if (state != null) {
            md.append(provenance(state.dataFingerprint(), state.gitRevision(), state.createdAt(),
                    Json.write(state.config())));
        }
        return md.toString();
    }

    private static String quantizationReport(HadoopFiles files, Path outDir, boolean charts) throws IOException {
        Path roundsFile = new Path(outDir, QuantizeJob.ROUNDS);
        List<RoundMetrics> rounds = new ArrayList<>();
        for (String line : files.readString(roundsFile).split("\n")) {
            if (!line.isBlank()) {
                rounds.add(Json.read(line, RoundMetrics.class, roundsFile.toString()));
            }
        }
        if (rounds.isEmpty()) {
            throw new InvalidInputException(roundsFile + ": no rounds yet");
        }
        boolean finished = finished(files, outDir);
        QuantizeState state = finished
                ? readState(files, new Path(outDir, RunOutputs.MODEL_PROVENANCE), QuantizeState.class)
                : new CheckpointStore<>(files, outDir, "round", QuantizeState.class).latest()
                .map(CheckpointStore.Checkpoint::state).orElse(null);
        String method = state == null ? "quantization" : state.config().method().name().toLowerCase()
                + (state.config().method().name().equals("MLQ") ? " (ternary)" : " " + state.config().bits() + "-bit");
        if (charts) {
            RunOutputs.writeChart(files, new Path(outDir, ROUNDS_CHART), png -> CurvePlot.writeRoundsPng(rounds, method, png));
        }
        RoundMetrics last = rounds.get(rounds.size() - 1);
        StringBuilder md = new StringBuilder();
        md.append("# Quantization run: ").append(method).append("\n\n");
        md.append(status(finished, "round", last.round(), state == null ? 0 : state.config().rounds()));
        md.append("![test accuracy and quantized fraction per round](").append(ROUNDS_CHART).append(")\n\n");
        md.append("## Final metrics (round ").append(last.round()).append(")\n\n");
        md.append("| test top-1 | test top-5 | weights quantized |");
        Optional<Double> compression = compression(files, outDir);
        md.append(compression.isPresent() ? " compact export vs float32 |\n| --- | --- | --- | --- |\n"
                : "\n| --- | --- | --- |\n");
        md.append(String.format("| %s | %s | %s |", pct(last.testTop1()), pct(last.testTop5()),
                pct(last.frozenFraction())));
        compression.ifPresent(c -> md.append(String.format(" %.1fx smaller |", c)));
        md.append("\n\n## Per round\n\n");
        md.append("| round | weights quantized | retraining loss | test top-1 | test top-5 | retraining s |\n");
        md.append("| --- | --- | --- | --- | --- | --- |\n");
        for (RoundMetrics r : rounds) {
            md.append(String.format("| %d | %s | %s | %s | %s | %.1f |%n", r.round(), pct(r.frozenFraction()),
                    num(r.trainLoss()), pct(r.testTop1()), pct(r.testTop5()), r.trainSeconds()));
        }
        md.append('\n');
        if (state != null) {
            md.append(provenance(state.dataFingerprint(), state.gitRevision(), state.createdAt(),
                    Json.write(state.config())));
        }
        return md.toString();
    }

    private static String shardsReport(HadoopFiles files, Path outDir, boolean charts) throws IOException {
        ShardManifest manifest = ShardManifest.read(files, outDir.toString(), "report");
        Map<String, List<Integer>> perShard = new java.util.LinkedHashMap<>();
        manifest.splits().forEach((split, s) -> perShard.put(split,
                s.shards().stream().map(ai.synergy.sharding.ShardResult::images).toList()));
        Map<String, List<Integer>> perClass = new java.util.LinkedHashMap<>();
        manifest.splits().forEach((split, s) -> perClass.put(split, s.imagesPerClass()));
        if (charts) {
            RunOutputs.writeChart(files, new Path(outDir, SHARDS_CHART), png -> CurvePlot.writeShardsPng(perShard, perClass,
                    "shards of " + manifest.options().input(), png));
        }
        StringBuilder md = new StringBuilder();
        md.append("# Prepared shards: ").append(manifest.options().input()).append("\n\n");
        md.append(String.format("Finished: %d images of %d classes in %d shards per split (format %s).%n%n",
                manifest.report().imagesWritten(), manifest.classes().size(), manifest.options().shards(),
                manifest.format()));
        md.append("![images per shard and per class](").append(SHARDS_CHART).append(")\n\n");
        md.append("| split | images | shards | images per shard (min-max) | images per class (min-max) |\n");
        md.append("| --- | --- | --- | --- | --- |\n");
        manifest.splits().forEach((split, s) -> md.append(String.format("| %s | %d | %d | %s | %s |%n", split,
                s.images(), s.shards().size(), range(perShard.get(split)), range(s.imagesPerClass()))));
        ShardManifest.Report input = manifest.report();
        md.append(String.format("%nInput: %d files listed, %d images written, skipped %s, formats found %s.%n%n",
                input.filesListed(), input.imagesWritten(), input.skippedByReason(), input.formatsFound()));
        if (manifest.trainStatistics() != null) {
            md.append("Training pixels: mean ").append(manifest.trainStatistics().mean()).append(", std ")
                    .append(manifest.trainStatistics().std()).append(".\n\n");
        }
        md.append("## Configuration\n\n- written: ").append(manifest.createdAt()).append(" by ")
                .append(manifest.createdBy()).append("\n\n```json\n").append(Json.write(manifest.options()).strip())
                .append("\n```\n");
        return md.toString();
    }

    private static String range(List<Integer> counts) {
        if (counts == null || counts.isEmpty()) {
            return "-";
        }
        return counts.stream().mapToInt(Integer::intValue).min().getAsInt() + "-"
                + counts.stream().mapToInt(Integer::intValue).max().getAsInt();
    }

    /** A run is finished when its marker says so (runs from before markers: when it has its final model). */
    private static boolean finished(HadoopFiles files, Path outDir) throws IOException {
        Optional<RunFolder.Marker> marker = RunFolder.readMarker(files, outDir);
        return marker.isPresent() ? marker.get().finished()
                : files.fileSystem().exists(new Path(outDir, RunOutputs.MODEL));
    }

    private static String status(boolean finished, String unit, int done, int total) {
        if (finished) {
            return "Finished: " + done + " " + unit + (done == 1 ? "" : "s") + "; the model is `"
                    + RunOutputs.MODEL + "`.\n\n";
        }
        return "Not finished: " + unit + " " + done + (total > 0 ? " of " + total : "")
                + " done; the same command with `--resume` continues it.\n\n";
    }

    private static String provenance(String fingerprint, String revision, String createdAt, String configJson) {
        return "## Configuration\n\n"
                + "- data fingerprint: `" + fingerprint + "`\n"
                + "- code revision: `" + revision + "`\n"
                + "- written: " + createdAt + "\n\n"
                + "```json\n" + configJson.strip() + "\n```\n";
    }

    private static Optional<Double> compression(HadoopFiles files, Path outDir) throws IOException {
        Path file = new Path(outDir, QuantizeJob.REPORT);
        if (!files.fileSystem().exists(file)) {
            return Optional.empty();
        }
        Map<?, ?> report = Json.read(files.readString(file), Map.class, file.toString());
        return report.get("compression") instanceof Number n ? Optional.of(n.doubleValue()) : Optional.empty();
    }

    private static <S> S readState(HadoopFiles files, Path file, Class<S> type) throws IOException {
        return Json.read(files.readString(file), type, file.toString());
    }

    private static String pct(Double v) {
        return v == null || !Double.isFinite(v) ? "-" : String.format("%.2f%%", 100 * v);
    }

    private static String num(Double v) {
        return v == null ? "-" : String.format("%.4f", v);
    }
}
