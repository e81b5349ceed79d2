package ai.synergy.jobs;

import ai.synergy.checkpoint.CheckpointStore;
import ai.synergy.config.Credentials;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import ai.synergy.io.HadoopFiles;
import ai.synergy.metrics.CurvePlot;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.metrics.MetricsLog;
import ai.synergy.metrics.RoundMetrics;
import ai.synergy.prepare.ShardManifest;
import ai.synergy.prepare.ShardResult;
import ai.synergy.run.RunFolder;
import ai.synergy.training.CheckpointState;
import ai.synergy.training.QuantizeState;
import org.apache.hadoop.fs.Path;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Driver side: {@code report.md} of a run folder, and the same as a web page ({@code report.html},
 * {@link HtmlReport}): status, the chart, the final metrics,
 * one table row per epoch (training) or round (quantization), and the configuration with the data fingerprint and
 * code revision; for {@code prepare}'s output, the shards' balance. The jobs render it from what they hold in memory
 * after every epoch or round ({@link #writeTraining}, {@link #writeQuantization}; prepare when it finishes);
 * {@code synergy report <run>} loads the folder's files and renders the same report and charts ({@link #write}).
 */
public final class RunReport {
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
        boolean running = !finished(files, outDir);
        if (files.fileSystem().exists(new Path(outDir, RunFolder.METRICS))) {
            text = trainingReport(files, outDir, charts);
        } else if (files.fileSystem().exists(new Path(outDir, RunFolder.ROUNDS))) {
            text = quantizationReport(files, outDir, charts);
        } else if (files.fileSystem().exists(new Path(outDir, ShardManifest.FILE))) {
            text = shardsReport(files, outDir, charts);
            running = false;   // the manifest is written last
        } else {
            throw new InvalidInputException(outDir + ": no " + RunFolder.METRICS + ", " + RunFolder.ROUNDS + " or "
                    + ShardManifest.FILE + " there, so not the output folder of a train, quantize or prepare run");
        }
        Path report = new Path(outDir, RunFolder.REPORT);
        writeReport(files, outDir, text, running);
        return report;
    }

    /**
     * Writes a training run's report from what the job holds in memory (no file is read back).
     *
     * @param state    the newest checkpoint's or the final model's state
     * @param finished whether the run wrote its final outputs
     */
    public static void writeTraining(HadoopFiles files, Path outDir, List<EpochMetrics> epochs, CheckpointState state,
                                     boolean finished) throws IOException {
        boolean pruned = finished && state.config().pruning().enabled();
        writeReport(files, outDir, Credentials.redact(renderTraining(epochs, state, finished, pruned)), !finished);
    }

    /** {@code report.md} and the same as {@code report.html} ({@link HtmlReport}), both atomically. */
    private static void writeReport(HadoopFiles files, Path outDir, String markdown, boolean running)
            throws IOException {
        files.writeAtomically(new Path(outDir, RunFolder.REPORT), markdown);
        HtmlReport.write(files, outDir, markdown, running);
    }

    private static String trainingReport(HadoopFiles files, Path outDir, boolean charts) throws IOException {
        Path metricsFile = new Path(outDir, RunFolder.METRICS);
        List<EpochMetrics> epochs = MetricsLog.readAll(new ByteArrayInputStream(files.readBytes(metricsFile)),
                metricsFile.toString());
        if (epochs.isEmpty()) {
            throw new InvalidInputException(metricsFile + ": no epochs yet");
        }
        boolean finished = finished(files, outDir);
        CheckpointState state = finished
                ? readState(files, new Path(outDir, RunFolder.MODEL_PROVENANCE), CheckpointState.class)
                : CheckpointState.checkpoints(files, outDir).latest().map(CheckpointStore.Checkpoint::state).orElse(null);
        if (charts) {
            String model = state == null ? "model" : state.config().model().architecture().canonicalName();
            RunOutputs.writeChart(files, new Path(outDir, RunFolder.CURVES), png -> CurvePlot.writePng(epochs, model,
                    png));
        }
        return renderTraining(epochs, state, finished,
                finished && files.fileSystem().exists(new Path(outDir, RunFolder.SPARSITY)));
    }

    /** A training run's report; {@code state} may be null (a folder without checkpoints). */
    static String renderTraining(List<EpochMetrics> epochs, CheckpointState state, boolean finished,
                                 boolean sparsityFile) {
        String model = state == null ? "model" : state.config().model().architecture().canonicalName();
        String data = state == null ? "" : " on " + state.config().data().name();
        EpochMetrics last = epochs.get(epochs.size() - 1);
        StringBuilder md = new StringBuilder();
        md.append("# Training run: ").append(model).append(data).append("\n\n");
        md.append(status(finished, "epoch", last.epoch(), state == null ? 0 : state.config().totalEpochs()));
        md.append("![training loss and test accuracy per epoch](").append(RunFolder.CURVES).append(")\n\n");
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
        if (sparsityFile) {
            md.append("Pruned: per-layer kept weights in [").append(RunFolder.SPARSITY).append("](")
                    .append(RunFolder.SPARSITY).append(").\n\n");
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

    /**
     * Writes a quantization run's report and its chart from what the job holds in memory.
     *
     * @param compression the compact export's compression, once it is written
     */
    public static void writeQuantization(HadoopFiles files, Path outDir, List<RoundMetrics> rounds, QuantizeState state,
                                         boolean finished, Optional<Double> compression) throws IOException {
        RunOutputs.writeChart(files, new Path(outDir, RunFolder.ROUNDS_CHART), png -> CurvePlot.writeRoundsPng(rounds,
                method(state), png));
        writeReport(files, outDir, Credentials.redact(renderQuantization(rounds, state, finished, compression)),
                !finished);
    }

    private static String quantizationReport(HadoopFiles files, Path outDir, boolean charts) throws IOException {
        Path roundsFile = new Path(outDir, RunFolder.ROUNDS);
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
                ? readState(files, new Path(outDir, RunFolder.MODEL_PROVENANCE), QuantizeState.class)
                : new CheckpointStore<>(files, outDir, "round", QuantizeState.class).latest()
                .map(CheckpointStore.Checkpoint::state).orElse(null);
        if (charts) {
            RunOutputs.writeChart(files, new Path(outDir, RunFolder.ROUNDS_CHART), png -> CurvePlot.writeRoundsPng(
                    rounds, method(state), png));
        }
        return renderQuantization(rounds, state, finished, compression(files, outDir));
    }

    private static String method(QuantizeState state) {
        return state == null ? "quantization" : state.config().method().name().toLowerCase(Locale.ROOT)
                + (state.config().method().name().equals("MLQ") ? " (ternary)" : " " + state.config().bits() + "-bit")
                + (state.config().adversarial().enabled() ? ", PGD retraining" : "");
    }

    /** A quantization run's report; {@code state} may be null (a folder without checkpoints). */
    static String renderQuantization(List<RoundMetrics> rounds, QuantizeState state, boolean finished,
                                     Optional<Double> compression) {
        String method = method(state);
        RoundMetrics last = rounds.get(rounds.size() - 1);
        StringBuilder md = new StringBuilder();
        md.append("# Quantization run: ").append(method).append("\n\n");
        md.append(status(finished, "round", last.round(), state == null ? 0 : state.config().rounds()));
        md.append("![test accuracy and quantized fraction per round](").append(RunFolder.ROUNDS_CHART).append(")\n\n");
        md.append("## Final metrics (round ").append(last.round()).append(")\n\n");
        md.append("| test top-1 | test top-5 | weights quantized |");
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
        Map<String, List<Integer>> perShard = new LinkedHashMap<>();
        manifest.splits().forEach((split, s) -> perShard.put(split,
                s.shards().stream().map(ShardResult::images).toList()));
        Map<String, List<Integer>> perClass = new LinkedHashMap<>();
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
                : files.fileSystem().exists(new Path(outDir, RunFolder.MODEL));
    }

    private static String status(boolean finished, String unit, int done, int total) {
        if (finished) {
            return "Finished: " + done + " " + unit + (done == 1 ? "" : "s") + "; the model is `"
                    + RunFolder.MODEL + "`.\n\n";
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
        Path file = new Path(outDir, RunFolder.QUANTIZATION_REPORT);
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
