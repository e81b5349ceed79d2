package ai.synergy.jobs;

import ai.synergy.checkpoint.CheckpointStore;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import ai.synergy.dataset.DataSpec;
import ai.synergy.dataset.ShardedDataset;
import ai.synergy.evaluation.DistributedEvaluator;
import ai.synergy.evaluation.HeadCounts;
import ai.synergy.io.HadoopFiles;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.run.RecordDiff;
import ai.synergy.run.RunFolder;
import ai.synergy.training.EpochTimeSplit;
import ai.synergy.training.EpochTrainer;
import ai.synergy.training.RoundPlan;
import ai.synergy.training.RoundTrainingMaster;
import ai.synergy.watch.RunWatch;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.DoubleUnaryOperator;

/**
 * Driver side: the run loop {@code train} and {@code quantize} share, so that both start, resume, checkpoint, stop
 * and finish alike. The loop claims the run folder, picks the starting point (fresh, or the newest checkpoint if its
 * settings pass the job's {@link ResumePolicy}), reads the starting network before the data (a bad model or checkpoint
 * fails before the long part), loads the data, sets up the training master, and runs the job's steps (epochs,
 * quantization rounds). After every step it checkpoints the network with the job's state record, hands the step's
 * figures to the {@link RunWatch} (TensorBoard events, Spark metrics gauges; every averaging round's too), has the job
 * write its logs and report, and stops early when asked; after the last it writes the final model with its provenance
 * and marks the run finished. What a step does and what else a run writes is the job's: {@link Job} up to the data,
 * {@link Steps} from there.
 *
 * @param <S> the state record saved in every checkpoint and beside the final model
 * @param <M> one step's metrics
 * @param <R> what the job returns
 */
final class DriverRun<S, M, R> {
    /** Settings a resumed run may change: they do not change what is computed. */
    static final Set<String> CHANGEABLE_ON_RESUME = Set.of("keepCheckpoints", "evalBatchSize", "data.shardCheck");

    /**
     * The settings the loop itself works with.
     *
     * @param job                the job that owns the run folder
     * @param step               one step on the console ("epoch", "round")
     * @param checkpoint         one checkpoint on the console ("checkpoint", "round checkpoint")
     * @param data               the data set
     * @param workers            data-parallel workers
     * @param batchSizePerWorker examples per minibatch on each worker
     * @param averagingFrequency minibatches each worker fits between parameter averages
     * @param seed               seed of every shuffle
     * @param evalBatchSize      minibatch size for evaluation
     * @param keepCheckpoints    how many checkpoints to keep
     */
    record Settings(RunFolder.Job job, String step, String checkpoint, DataSpec data, int workers,
                    int batchSizePerWorker, int averagingFrequency, long seed, int evalBatchSize,
                    int keepCheckpoints) {
    }

    /**
     * What a resumed run may do with settings that differ from its checkpoint's (beyond {@link #CHANGEABLE_ON_RESUME}).
     *
     * @param fixed          settings whose state lives in the checkpoint: refused whatever else is allowed (a name
     *                       covers its sub-settings)
     * @param changesAllowed whether the other changes are kept (printed, and handed to the job to record)
     * @param whyFixed       the refusal's reason when a fixed setting changed
     * @param whyRefused     the refusal's reason when other changes are not allowed
     */
    record ResumePolicy(Set<String> fixed, boolean changesAllowed, String whyFixed, String whyRefused) {
        /** A run that resumes only with its checkpoint's settings. */
        static ResumePolicy sameSettings(String why) {
            return new ResumePolicy(Set.of(), false, why, why);
        }

        /** Refuses to resume {@code checkpoint} with these {@code changed} settings, unless the policy keeps them. */
        void check(Path checkpoint, List<String> changed) {
            List<String> fixedChanged = changed.stream().filter(line -> fixed.stream().anyMatch(
                    name -> line.startsWith(name + ".") || line.startsWith(name + ":"))).toList();
            if (!fixedChanged.isEmpty() || (!changed.isEmpty() && !changesAllowed)) {
                throw new InvalidInputException("--resume: checkpoint " + checkpoint + " was written by a run with "
                        + "other settings (" + String.join("; ", fixedChanged.isEmpty() ? changed : fixedChanged)
                        + "); pass the same options to resume it (" + (fixedChanged.isEmpty() ? whyRefused : whyFixed)
                        + "), or choose another --out for a new run");
            }
        }
    }

    /**
     * Where a run starts.
     *
     * @param checkpoint      the checkpoint it resumes; empty for a fresh start
     * @param stepsDone       steps that checkpoint holds (0 for a fresh start)
     * @param changedSettings settings changed since the checkpoint that the job's policy kept, one line each
     * @param network         the network it starts from: the checkpoint's, or the job's first
     */
    record Start<S>(Optional<CheckpointStore.Checkpoint<S>> checkpoint, int stepsDone, List<String> changedSettings,
                    ComputationGraph network) {
    }

    /**
     * What the loop reads from a checkpoint's state record.
     *
     * @param config    the settings that wrote it
     * @param stepsDone steps it holds
     * @param metrics   their metrics
     */
    record Saved<M>(Record config, int stepsDone, List<M> metrics) {
    }

    /** A job's own part of the run, up to its data. */
    interface Job<S, M, R> {
        Settings settings();

        /** The settings record a checkpoint's is compared with on resume. */
        Record config();

        ResumePolicy resumePolicy();

        /** What the loop reads from a checkpoint's state record. */
        Saved<M> saved(S state);

        /** The network a fresh run starts from. */
        ComputationGraph firstNetwork() throws IOException;

        /**
         * Restores or starts the job's own state for a run from {@code start} on loaded {@code data}, equips
         * {@code master} (hooks) before the first step, and returns the steps.
         */
        Steps<S, M, R> open(Start<S> start, ShardedDataset data, RoundPlan plan, RoundTrainingMaster master)
                throws IOException;

        /** What the job returns when its folder holds the finished run. */
        R alreadyFinished();
    }

    /** A job's own part of the run once its data is loaded; closed when the run ends. */
    interface Steps<S, M, R> extends AutoCloseable {
        /** Steps of the whole run. */
        int total();

        /** What one pass over the data is called on the progress line ("epoch"). */
        String passName();

        /** Passes over the data a step makes at most (for the progress line's estimate). */
        int passesPerStep();

        /** Runs 0-based step {@code step}, prints its line and returns its metrics. */
        M step(int step, Training training);

        /** The state record after {@code stepsDone} steps. */
        S state(int stepsDone, List<M> history, Provenance provenance);

        /** Files saved in the checkpoint beside the network and state, by name. */
        Map<String, byte[]> checkpointExtras();

        /** Hands a checkpointed step's figures and its time split (null when it trained nothing) to the watch. */
        void watch(RunWatch watch, M metrics, EpochTimeSplit split);

        /** Rewrites the per-step logs after step {@code stepsDone}'s checkpoint. */
        void writeLogs(int stepsDone, List<M> history) throws IOException;

        void writeReport(List<M> history, S state, boolean finished) throws IOException;

        /** Writes the job's final outputs and returns the network to save as the final model. */
        ComputationGraph exportFinal(ComputationGraph network) throws IOException;

        R result(ComputationGraph network, List<M> history, boolean finished);

        @Override
        void close();
    }

    /** Timed distributed evaluation of the network on the test split. */
    record Evaluation(HeadCounts heads, double seconds) {
    }

    /** What a step trains and evaluates with. */
    static final class Training {
        private final JavaSparkContext jsc;
        private final Settings settings;
        private final ShardedDataset data;
        private final SparkComputationGraph sparkGraph;
        private final EpochTrainer trainer;
        private final ConsoleProgress progress;
        private final RunWatch watch;
        private final CheckpointStore<?> checkpoints;
        private final List<EpochMetrics.Round> lastRounds = new ArrayList<>();

        private Training(JavaSparkContext jsc, Settings settings, ShardedDataset data, SparkComputationGraph sparkGraph,
                         EpochTrainer trainer, ConsoleProgress progress, RunWatch watch,
                         CheckpointStore<?> checkpoints) {
            this.jsc = jsc;
            this.settings = settings;
            this.data = data;
            this.sparkGraph = sparkGraph;
            this.trainer = trainer;
            this.progress = progress;
            this.watch = watch;
            this.checkpoints = checkpoints;
        }

        /** The driver's network: the average after the last round. */
        ComputationGraph network() {
            return sparkGraph.getNetwork();
        }

        /**
         * Trains one pass over the data, the run's {@code pass}-th (it seeds the shuffle, so a resumed run sees the
         * same minibatches), and returns its mean loss. See {@link EpochTrainer#train}.
         */
        double train(int pass, DoubleUnaryOperator rate, Consumer<ComputationGraph> afterRound, String where) {
            lastRounds.clear();
            return trainer.train(pass, rate, afterRound,
                    (round, loss, lr) -> {
                        progress.roundDone(pass, round, loss, lr);
                        watch.roundDone(pass, round, loss, lr);
                        lastRounds.add(new EpochMetrics.Round(round + 1, loss, lr));
                    }, where, this::lastCheckpoint);
        }

        /** The last pass's averaging rounds: loss and learning rate, in order, at most {@link EpochMetrics#MAX_ROUNDS}. */
        List<EpochMetrics.Round> lastRounds() {
            return EpochMetrics.Round.summarize(lastRounds, EpochMetrics.MAX_ROUNDS);
        }

        double lastRate() {
            return trainer.lastRate();
        }

        EpochTimeSplit lastTimeSplit() {
            return trainer.lastTimeSplit();
        }

        /** Training images per pass over all workers. */
        long imagesPerPass() {
            return trainer.imagesPerEpoch(settings.workers());
        }

        Evaluation evaluate() {
            long start = System.nanoTime();
            HeadCounts heads = DistributedEvaluator.evaluate(jsc, network(), data.test(), settings.evalBatchSize(),
                    settings.data().batchSpec());
            return new Evaluation(heads, (System.nanoTime() - start) / 1e9);
        }

        private String lastCheckpoint() {
            try {
                return checkpoints.latest().map(c -> c.dir().toString()).orElse("none");
            } catch (IOException e) {
                return "unknown (" + e.getMessage() + ")";
            }
        }
    }

    private final JavaSparkContext jsc;
    private final PrintStream console;
    private final HadoopFiles files;
    private final Path outDir;
    private final CheckpointStore<S> checkpoints;
    private final Job<S, M, R> job;
    private final Settings settings;

    DriverRun(JavaSparkContext jsc, PrintStream console, HadoopFiles files, Path outDir, CheckpointStore<S> checkpoints,
              Job<S, M, R> job) {
        this.jsc = jsc;
        this.console = console;
        this.files = files;
        this.outDir = outDir;
        this.checkpoints = checkpoints;
        this.job = job;
        this.settings = job.settings();
    }

    /**
     * Runs the job in its folder; bad input surfaces as {@link InvalidInputException} before anything is written.
     *
     * @param stopAfter end the run (as if interrupted) after this step's checkpoint; 0 = run to the end
     */
    R run(RunFolder.Resume resume, int stopAfter) throws IOException {
        try (RunFolder folder = RunFolder.claim(files, outDir, settings.job(), checkpoints, resume, "--out")) {
            if (folder.start() == RunFolder.Start.FINISHED) {
                console.printf("%s holds the finished run; nothing to do%n", folder.dir());
                return job.alreadyFinished();
            }
            Start<S> start = startingPoint(folder, resume);
            return LoadedData.use(jsc, settings.data(), settings.workers(),
                    data -> steps(folder, start, data, stopAfter));
        }
    }

    private Start<S> startingPoint(RunFolder folder, RunFolder.Resume resume) throws IOException {
        if (folder.start() == RunFolder.Start.FRESH) {
            if (resume != RunFolder.Resume.NO) {
                console.printf("no complete %s in %s yet: starting from the beginning%n", settings.checkpoint(),
                        folder.dir());
            }
            return new Start<>(Optional.empty(), 0, List.of(), job.firstNetwork());
        }
        CheckpointStore.Checkpoint<S> latest = checkpoints.latest().orElseThrow();
        Saved<M> saved = job.saved(latest.state());
        List<String> changed = RecordDiff.between(saved.config(), job.config(), CHANGEABLE_ON_RESUME);
        job.resumePolicy().check(latest.dir(), changed);
        for (String change : changed) {
            console.printf("resuming with a changed setting: %s%n", change);
        }
        return new Start<>(Optional.of(latest), saved.stepsDone(), changed, checkpoints.loadModel(latest));
    }

    private R steps(RunFolder folder, Start<S> start, ShardedDataset data, int stopAfter) throws IOException {
        RoundPlan plan = RoundPlan.of(data.minTrainShardSize(), settings.batchSizePerWorker(),
                settings.averagingFrequency());
        RoundTrainingMaster master = RoundTrainingMaster.create(settings.workers(), settings.batchSizePerWorker(),
                settings.averagingFrequency(), settings.seed());
        try (Steps<S, M, R> steps = job.open(start, data, plan, master);
             RunWatch watch = RunWatch.open(files, outDir, folder.start() == RunFolder.Start.FRESH, plan.rounds(),
                     plan.imagesPerEpoch(settings.batchSizePerWorker(), settings.workers()))) {
            SparkComputationGraph sparkGraph = new SparkComputationGraph(jsc, start.network(), master);
            EpochTrainer trainer = new EpochTrainer(data, sparkGraph, master, plan, settings.seed(),
                    settings.batchSizePerWorker(), settings.data().batchSpec());
            ConsoleProgress progress = new ConsoleProgress(console, steps.passName(),
                    (steps.total() - start.stepsDone()) * steps.passesPerStep(), plan.rounds(),
                    trainer.imagesPerEpoch(settings.workers()));
            Training training = new Training(jsc, settings, data, sparkGraph, trainer, progress, watch,
                    checkpoints);
            List<M> history = new ArrayList<>(start.checkpoint().map(c -> job.saved(c.state()).metrics())
                    .orElse(List.of()));
            for (int step = start.stepsDone(); step < steps.total(); step++) {
                history.add(steps.step(step, training));
                S state = steps.state(step + 1, history, Provenance.now(data.fingerprint()));
                checkpoints.save(training.network(), state, step + 1, settings.keepCheckpoints(),
                        steps.checkpointExtras());
                steps.watch(watch, history.get(history.size() - 1), training.lastTimeSplit());
                steps.writeLogs(step + 1, history);
                steps.writeReport(history, state, false);
                if (stopAfter > 0 && step + 1 == stopAfter && step + 1 < steps.total()) {
                    console.printf("stopped after %s %d as asked; continue with --resume%n", settings.step(),
                            step + 1);
                    return steps.result(training.network(), history, false);
                }
            }
            S state = steps.state(steps.total(), history, Provenance.now(data.fingerprint()));
            ComputationGraph model = steps.exportFinal(training.network());
            RunOutputs.writeModel(files, outDir, model, Json.write(state));
            folder.markFinished();
            steps.writeReport(history, state, true);
            return steps.result(training.network(), history, true);
        }
    }
}
