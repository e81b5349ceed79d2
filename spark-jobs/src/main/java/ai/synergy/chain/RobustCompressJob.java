package ai.synergy.chain;

import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import ai.synergy.io.HadoopFiles;
import ai.synergy.jobs.QuantizeJob;
import ai.synergy.jobs.TrainJob;
import ai.synergy.run.RecordDiff;
import ai.synergy.run.RunFolder;
import ai.synergy.run.RunLock;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Driver side of {@code robust-compress}: the "robust and small" chain as one resumable run over the existing jobs
 * (docs/methods.md section 6). Stages, each a sub run folder of {@code <out>} owned by its job: (a) DKS training, whose
 * model.zip is the lean export; (b) PGD training with ADMM pruning and masked retraining from (a)'s model; (c), (d),
 * ...: INQ at each bit-width from (b)'s model, keeping its zeros, with PGD retraining and the compact export. After
 * every stage the chain evaluates the stage's model (natural, PGD-20, APGD-CE) and counts its nonzero parameters and
 * export bytes into {@value #STAGES}, then rewrites {@code report.md} and the chart.
 *
 * <p>Resume: a stage whose run folder is finished and whose result is recorded is skipped; a stage whose job was
 * interrupted continues with that job's own resume (its newest checkpoint); a finished job whose evaluation was not
 * recorded is only evaluated. The chain's settings must be those it started with.
 */
public final class RobustCompressJob {
    /** The chain's state: configuration and every done stage's result. */
    public static final String STAGES = "stages.json";
    /** The lock's job name. */
    static final String JOB = "robust-compress";

    /**
     * How a run starts and stops.
     *
     * @param out            the chain's folder URI
     * @param resume         continue the chain in {@code out}: no (a new chain), yes (the one there), or auto (the one
     *                       there if there is one, else a new one)
     * @param stopAfterStage end after this many stages are done (continue with resume); 0 = run to the end
     */
    public record RunOptions(String out, RunFolder.Resume resume, int stopAfterStage) {
        /** Options with a plain {@code --resume} flag. */
        public RunOptions(String out, boolean resume, int stopAfterStage) {
            this(out, RunFolder.Resume.of(resume), stopAfterStage);
        }
    }

    /** What a run produced: every done stage's result, and whether all are. */
    public record Result(List<StageResult> stages, boolean finished) {
    }

    private final JavaSparkContext jsc;
    private final ChainConfig config;
    private final RunOptions options;
    private final PrintStream console;

    public RobustCompressJob(JavaSparkContext jsc, ChainConfig config, RunOptions options, PrintStream console) {
        this.jsc = jsc;
        this.config = config;
        this.options = options;
        this.console = console;
    }

    /** Runs the chain; bad input (a foreign folder, other settings on resume) fails before anything is written. */
    public Result run() throws IOException {
        HadoopFiles files = HadoopFiles.of(options.out(), jsc.hadoopConfiguration());
        Path outDir = HadoopFiles.path(options.out());
        boolean resume = inspect(files, outDir);
        files.requireWritableDirectory(outDir, "--out");
        try (RunLock lock = RunLock.acquire(files, new Path(outDir, RunFolder.LOCK), JOB, "--out",
                options.resume() == RunFolder.Resume.AUTO ? RunLock.staleAfter().plus(RunLock.HEARTBEAT)
                        : Duration.ZERO)) {
            ChainState state = start(files, outDir, resume);
            if (state.finishedAt() != null) {
                console.printf("%s holds the finished chain (finished %s); nothing to do%n", outDir,
                        state.finishedAt());
                return new Result(state.stages(), true);
            }
            List<ChainStage> stages = config.stages();
            for (int i = 0; i < stages.size(); i++) {
                ChainStage stage = stages.get(i);
                Path stageDir = new Path(outDir, stage.name());
                Optional<RunFolder.Marker> marker = RunFolder.readMarker(files, stageDir);
                boolean jobFinished = marker.map(RunFolder.Marker::finished).orElse(false);
                if (jobFinished && state.result(stage.name()).isPresent()) {
                    console.printf("stage %s: done (finished %s); skipped%n", stage.label(),
                            marker.get().finishedAt());
                    continue;
                }
                if (!jobFinished) {
                    console.printf("stage %d/%d %s -> %s%n", i + 1, stages.size(), stage.label(), stageDir);
                    if (!runStage(stage, outDir, stageDir, marker.isPresent())) {
                        return new Result(state.stages(), false);
                    }
                }
                StageResult result = StageMeasures.measure(jsc, files, config, stage, stageDir);
                console.printf("stage %s: natural %.4f, PGD-%d %.4f, APGD-CE %.4f; %d nonzero parameters, sparsity "
                                + "%.4f, %s %d bytes%n", stage.label(), result.naturalTop1(), config.evalPgdSteps(),
                        result.pgdTop1(), result.apgdTop1(), result.nonzeroParameters(), result.sparsity(),
                        result.exportFile(), result.exportBytes());
                state = state.with(result);
                save(files, outDir, state);
                if (options.stopAfterStage() > 0 && i + 1 == options.stopAfterStage() && i + 1 < stages.size()) {
                    console.printf("stopped after stage %d as asked; continue with --resume%n", i + 1);
                    return new Result(state.stages(), false);
                }
            }
            state = state.finished(Instant.now().toString());
            save(files, outDir, state);
            console.printf("robust-compress finished: report %s/%s, stages %s/%s%n", options.out(), RunFolder.REPORT,
                    options.out(), STAGES);
            return new Result(state.stages(), true);
        }
    }

    /**
     * Runs a stage's job in {@code stageDir} (resuming it when its folder holds a run); false when the job stopped
     * before its end.
     */
    private boolean runStage(ChainStage stage, Path outDir, Path stageDir, boolean resume) throws IOException {
        String out = stageDir.toString();
        RunFolder.Resume mode = RunFolder.Resume.of(resume);
        return switch (stage.kind()) {
            case DKS -> new TrainJob(jsc, config.dksConfig(), new TrainJob.RunOptions(out, mode, 0, false), console)
                    .run().finished();
            case PRUNE -> new TrainJob(jsc, config.pruneConfig(modelOf(outDir, ChainStage.dks())),
                    new TrainJob.RunOptions(out, mode, 0, false), console).run().finished();
            case INQ -> new QuantizeJob(jsc, config.inqConfig(stage.bits(), modelOf(outDir, ChainStage.prune())),
                    new QuantizeJob.RunOptions(out, mode, 0), console).run().finished();
        };
    }

    private static String modelOf(Path outDir, ChainStage stage) {
        return new Path(new Path(outDir, stage.name()), RunFolder.MODEL).toString();
    }

    /** The state to continue from: a new chain's (written at once), or the folder's, checked against the settings. */
    private ChainState start(HadoopFiles files, Path outDir, boolean resume) throws IOException {
        Path file = new Path(outDir, STAGES);
        if (!resume || !files.fileSystem().exists(file)) {
            ChainState fresh = new ChainState(config, List.of(), Instant.now().toString(), null);
            save(files, outDir, fresh);
            return fresh;
        }
        ChainState saved = Json.read(files.readString(file), ChainState.class, file.toString());
        List<String> changed = RecordDiff.between(saved.config(), config, Set.of("evalBatchSize"));
        if (!changed.isEmpty()) {
            throw new InvalidInputException("--resume: " + outDir + " holds a robust-compress run with other settings ("
                    + String.join("; ", changed) + "); pass the same options to resume it, or choose another --out");
        }
        console.printf("resuming the chain in %s: %d of %d stages done%n", outDir, saved.stages().size(),
                config.stages().size());
        return new ChainState(config, saved.stages(), saved.createdAt(), saved.finishedAt());
    }

    /**
     * Refuses, before anything is written, a folder that is not this command's to use: without {@code --resume} it
     * must be new or empty; with it, it must hold a chain ({@value #STAGES}). Returns whether the run resumes.
     */
    private boolean inspect(HadoopFiles files, Path outDir) throws IOException {
        FileSystem fs = files.fileSystem();
        boolean exists = fs.exists(outDir);
        if (exists && !fs.getFileStatus(outDir).isDirectory()) {
            throw new InvalidInputException("--out: " + outDir + " is a file, not a folder (nothing was changed)");
        }
        boolean chain = exists && fs.exists(new Path(outDir, STAGES));
        boolean resume = options.resume() == RunFolder.Resume.YES
                || (options.resume() == RunFolder.Resume.AUTO && chain);
        if (options.resume() == RunFolder.Resume.YES && !chain) {
            throw new InvalidInputException("--resume: " + outDir + " holds no robust-compress run (no " + STAGES
                    + "); run the same command without --resume to start one");
        }
        if (!resume && exists) {
            List<String> present = Arrays.stream(fs.listStatus(outDir)).map(FileStatus::getPath).map(Path::getName)
                    .filter(name -> !name.equals(RunFolder.LOCK) && !name.contains(HadoopFiles.TEMP_MARK)).sorted()
                    .toList();
            if (!present.isEmpty()) {
                throw new InvalidInputException("--out: " + outDir + (chain ? " holds a robust-compress run; pass "
                        + "--resume to continue it" : " already holds files (" + String.join(", ",
                        present.subList(0, Math.min(5, present.size()))) + "); choose a new or empty folder")
                        + " (nothing was changed)");
            }
        }
        return resume;
    }

    private static void save(HadoopFiles files, Path outDir, ChainState state) throws IOException {
        files.writeAtomically(new Path(outDir, STAGES), Json.write(state));
        ChainReport.write(files, outDir, state);
    }
}
