package ai.synergy.jobs;

import ai.synergy.checkpoint.CheckpointStore;
import ai.synergy.config.Credentials;
import ai.synergy.config.InvalidInputException;
import ai.synergy.dataset.ShardedDataset;
import ai.synergy.dks.LeanExport;
import ai.synergy.evaluation.HeadCounts;
import ai.synergy.evaluation.TopKCounts;
import ai.synergy.io.HadoopFiles;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.model.ModelCost;
import ai.synergy.nd4j.Nd4jRuntime;
import ai.synergy.pruning.SparsityReport;
import ai.synergy.run.RunFolder;
import ai.synergy.training.AdversarialHook;
import ai.synergy.training.CheckpointState;
import ai.synergy.training.EpochTimeSplit;
import ai.synergy.training.PruningStages;
import ai.synergy.training.RoundPlan;
import ai.synergy.training.RoundTrainingMaster;
import ai.synergy.training.TrainConfig;
import ai.synergy.training.TrainingStage;
import ai.synergy.watch.RunWatch;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Driver side of {@code train}: synchronous parameter averaging over Spark executors, one averaging round at a time,
 * with the learning rate evaluated on the driver, evaluation on the executors after every epoch, atomic checkpoints
 * with provenance, and {@code --resume}. The run loop is {@link DriverRun}'s; this class holds what is train's own: the
 * network it starts from, the pruning stages (ADMM, then masked retraining) and adversarial training around each
 * epoch, the per-head accuracy of a deeply supervised graph, the lean export of its main head and the sparsity report.
 * Outputs in {@code <out>}: {@code metrics.jsonl}, {@code curves.png}, {@code timings.jsonl}, {@code model.zip} and
 * {@code model.json} (provenance), {@code sparsity.json} when pruning, {@code checkpoints/epoch-NNNN/}.
 */
public final class TrainJob {
    private static final Logger log = LoggerFactory.getLogger(TrainJob.class);

    /** What a run produced. */
    public record Result(ComputationGraph model, List<EpochMetrics> metrics, boolean finished, String outputDir) {
    }

    /**
     * How a run starts and stops.
     *
     * @param out            output folder URI (any Hadoop file system)
     * @param resume         whether to continue the run in {@code out} (no, yes, or auto: if there is one)
     * @param stopAfterEpoch end the run (as if interrupted) after this epoch's checkpoint; 0 = run to the end
     * @param allowChangedSettings with {@code resume}: continue although settings differ from the checkpoint's (the
     *                       changes are printed and recorded in the provenance); the model, supervision and pruning
     *                       never may
     */
    public record RunOptions(String out, RunFolder.Resume resume, int stopAfterEpoch, boolean allowChangedSettings) {
        /** Options that resume only with the checkpoint's settings. */
        public RunOptions(String out, boolean resume, int stopAfterEpoch) {
            this(out, RunFolder.Resume.of(resume), stopAfterEpoch, false);
        }

        /** Options with a plain {@code --resume} flag. */
        public RunOptions(String out, boolean resume, int stopAfterEpoch, boolean allowChangedSettings) {
            this(out, RunFolder.Resume.of(resume), stopAfterEpoch, allowChangedSettings);
        }
    }

    private final JavaSparkContext jsc;
    private final TrainConfig config;
    private final RunOptions options;
    private final PrintStream console;

    public TrainJob(JavaSparkContext jsc, TrainConfig config, RunOptions options, PrintStream console) {
        this.jsc = jsc;
        this.config = config;
        this.options = options;
        this.console = console;
    }

    /** Runs the job; bad input surfaces as {@link InvalidInputException} before anything is written. */
    public Result run() throws IOException {
        HadoopFiles files = HadoopFiles.of(options.out(), jsc.hadoopConfiguration());
        Path outDir = HadoopFiles.path(options.out());
        CheckpointStore<CheckpointState> checkpoints = CheckpointState.checkpoints(files, outDir);
        return new DriverRun<>(jsc, console, files, outDir, checkpoints, new Run(files, outDir, checkpoints))
                .run(options.resume(), options.stopAfterEpoch());
    }

    /** Settings whose state lives in the checkpoint (its graph, heads, ADMM variables): never changed on resume. */
    static final Set<String> FIXED_ON_RESUME = Set.of("model", "supervision", "pruning");

    /** train's part of the run up to its data: the network it starts from and its pruning stages. */
    private final class Run implements DriverRun.Job<CheckpointState, EpochMetrics, Result> {
        private final HadoopFiles files;
        private final Path outDir;
        private final CheckpointStore<CheckpointState> checkpoints;

        Run(HadoopFiles files, Path outDir, CheckpointStore<CheckpointState> checkpoints) {
            this.files = files;
            this.outDir = outDir;
            this.checkpoints = checkpoints;
        }

        @Override
        public DriverRun.Settings settings() {
            return new DriverRun.Settings(RunFolder.Job.TRAIN, "epoch", "checkpoint", config.data(), config.workers(),
                    config.batchSizePerWorker(), config.averagingFrequency(), config.seed(), config.evalBatchSize(),
                    config.keepCheckpoints());
        }

        @Override
        public Record config() {
            return config;
        }

        @Override
        public DriverRun.ResumePolicy resumePolicy() {
            return new DriverRun.ResumePolicy(FIXED_ON_RESUME, options.allowChangedSettings(),
                    "the model, its heads and pruning cannot change in a run",
                    "or --allow-changed-settings to continue with these");
        }

        @Override
        public DriverRun.Saved<EpochMetrics> saved(CheckpointState state) {
            return new DriverRun.Saved<>(state.config(), state.epochsCompleted(), state.metrics());
        }

        @Override
        public ComputationGraph firstNetwork() throws IOException {
            ComputationGraph graph = config.supervision().createTrainingGraph(config.model(), config.optimizer());
            if (config.initModel() != null) {
                InitialModel.copyParameters(HadoopFiles.of(config.initModel(), jsc.hadoopConfiguration()),
                        config.initModel(), graph);
                console.printf("starting from the parameters of %s%n", config.initModel());
            }
            return graph;
        }

        @Override
        public Epochs open(DriverRun.Start<CheckpointState> start, ShardedDataset data, RoundPlan plan,
                           RoundTrainingMaster master) throws IOException {
            ComputationGraph graph = start.network();
            Optional<PruningStages.Saved> savedPruning = Optional.empty();
            List<String> settingChanges = List.of();
            if (start.checkpoint().isPresent()) {
                CheckpointStore.Checkpoint<CheckpointState> from = start.checkpoint().get();
                savedPruning = checkpoints.readExtra(from, RunFolder.PRUNING_STATE).map(bytes ->
                        PruningStages.Saved.fromBytes(bytes, new Path(from.dir(), RunFolder.PRUNING_STATE).toString()));
                console.printf(start.stepsDone() < config.totalEpochs() ? "resuming from %s (epoch %d of %d done)%n"
                                : "finishing the run from %s (epoch %d of %d done; the final model was not written)%n",
                        from.dir(), start.stepsDone(), config.totalEpochs());
                List<String> all = new ArrayList<>(from.state().settingChanges());
                for (String change : start.changedSettings()) {
                    all.add("after epoch " + start.stepsDone() + ": " + change);
                }
                settingChanges = all;
            }
            Map<String, Long> helpers = Nd4jRuntime.helperSummary(graph);
            log.info("{}; layer helpers {}", Nd4jRuntime.describe(), helpers);
            if (helpers.containsKey("none")) {
                log.warn("some conv/batch-norm layers run without oneDNN/cuDNN helpers (slow): is -D{}=false set and "
                        + "the onednn nd4j-native classifier on the classpath?", Nd4jRuntime.HELPERS_DISABLE_PROPERTY);
            }
            if (config.adversarial().enabled()) {
                master.addHook(new AdversarialHook(config.adversarial(), config.seed()));
            }
            PruningStages pruning = new PruningStages(jsc, config, master);
            if (config.pruning().enabled()) {
                pruning.validate(graph); // before the dense epochs, not when the ADMM stage begins
            }
            savedPruning.ifPresent(pruning::restore);
            console.printf("train %s on %s: %d workers x %d minibatches of %d per epoch, averaging every %d, %d "
                            + "epochs, %d trainable parameters%n", config.model().architecture().canonicalName(),
                    Credentials.redact(config.data().name()), config.workers(), plan.batchesPerWorker(),
                    config.batchSizePerWorker(), config.averagingFrequency(), config.totalEpochs(),
                    ModelCost.trainableParameters(graph.getConfiguration()));
            return new Epochs(files, outDir, pruning, settingChanges);
        }

        @Override
        public Result alreadyFinished() {
            return new Result(null, List.of(), true, options.out());
        }
    }

    /** train's steps: epochs through the dense, ADMM and retraining stages; the lean export and sparsity at the end. */
    private final class Epochs implements DriverRun.Steps<CheckpointState, EpochMetrics, Result> {
        private final HadoopFiles files;
        private final Path outDir;
        private final PruningStages pruning;
        /** Settings changed on resume so far (from the checkpoint's provenance, plus this resume's). */
        private final List<String> settingChanges;
        private EpochTimeSplit split;

        Epochs(HadoopFiles files, Path outDir, PruningStages pruning, List<String> settingChanges) {
            this.files = files;
            this.outDir = outDir;
            this.pruning = pruning;
            this.settingChanges = settingChanges;
        }

        @Override
        public int total() {
            return config.totalEpochs();
        }

        @Override
        public String passName() {
            return "epoch";
        }

        @Override
        public int passesPerStep() {
            return 1;
        }

        @Override
        public EpochMetrics step(int epoch, DriverRun.Training training) {
            long epochStart = System.nanoTime();
            TrainingStage stage = config.stageOf(epoch);
            pruning.beginEpoch(epoch, training.network(), console);
            // each stage runs the schedule over its own length (docs/methods.md section 2: ADMM, then retraining)
            double inStage = epoch - config.stageStart(stage);
            double loss = training.train(epoch,
                    fraction -> config.schedule().rateAt(inStage + fraction, config.stageLength(stage)),
                    network -> pruning.afterRound(epoch, network), "epoch " + (epoch + 1));
            double rate = training.lastRate();
            split = training.lastTimeSplit();
            pruning.endEpoch(epoch, training.network());
            double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
            DriverRun.Evaluation evaluation = training.evaluate();
            TopKCounts test = evaluation.heads().main();
            EpochMetrics metrics = new EpochMetrics(epoch + 1, loss, rate, test.top1(),
                    config.data().numClasses() > 5 ? test.top5() : null, test.examples(),
                    training.imagesPerPass() / trainSeconds, trainSeconds, evaluation.seconds(),
                    headTop1(evaluation.heads()), pruning.metrics(epoch, training.network()), training.lastRounds());
            console.printf("epoch %d/%d%s: loss %.4f, test top-1 %.4f%s on %d images, %.0f images/s, %.1f s "
                            + "(+%.1f s eval)%n", epoch + 1, config.totalEpochs(),
                    metrics.pruning() == null ? "" : " (" + describe(metrics.pruning()) + ")",
                    metrics.trainLoss(), metrics.testTop1(),
                    metrics.testTop5() == null ? "" : String.format(", top-5 %.4f", metrics.testTop5()),
                    metrics.testExamples(), metrics.imagesPerSecond(), trainSeconds, evaluation.seconds());
            if (metrics.headTop1() != null) {
                console.printf("  heads top-1: %s%n", metrics.headTop1());
            }
            console.printf("  time split: %s%n", split.describe());
            return metrics;
        }

        @Override
        public CheckpointState state(int epochsDone, List<EpochMetrics> history, Provenance provenance) {
            return new CheckpointState(epochsDone, config, provenance.dataFingerprint(), provenance.gitRevision(),
                    provenance.createdAt(), history, settingChanges);
        }

        @Override
        public Map<String, byte[]> checkpointExtras() {
            return config.pruning().enabled() ? Map.of(RunFolder.PRUNING_STATE, pruning.saved().toBytes()) : Map.of();
        }

        @Override
        public void watch(RunWatch watch, EpochMetrics metrics, EpochTimeSplit split) {
            watch.epochDone(metrics, split);
        }

        @Override
        public void writeLogs(int epochsDone, List<EpochMetrics> history) throws IOException {
            RunOutputs.writeMetrics(files, outDir, history, config.model().architecture().canonicalName());
            RunOutputs.writeTimeSplit(files, outDir, epochsDone, split);
        }

        @Override
        public void writeReport(List<EpochMetrics> history, CheckpointState state, boolean finished)
                throws IOException {
            RunReport.writeTraining(files, outDir, history, state, finished);
        }

        @Override
        public ComputationGraph exportFinal(ComputationGraph network) throws IOException {
            ComputationGraph model = network;
            if (config.supervision().headCount() > 1) {
                model = LeanExport.export(network, config.model(), config.optimizer());
                console.printf("exported the main head without the %d auxiliary heads: %d parameters (training graph "
                        + "%d)%n", config.supervision().headCount() - 1, model.numParams(), network.numParams());
            }
            if (config.pruning().enabled()) {
                SparsityReport report = pruning.report(model);
                RunOutputs.writeSparsity(files, outDir, report);
                printSparsity(report);
            }
            return model;
        }

        @Override
        public Result result(ComputationGraph network, List<EpochMetrics> history, boolean finished) {
            return new Result(network, history, finished, options.out());
        }

        @Override
        public void close() {
            pruning.close();
        }
    }

    private void printSparsity(SparsityReport report) {
        console.printf("sparsity per pruned layer:%n");
        for (SparsityReport.LayerSparsity layer : report.layers()) {
            console.printf("  %-24s %9d of %9d kept  sparsity %.4f%n", layer.layer(), layer.kept(), layer.total(),
                    layer.sparsity());
        }
        console.printf("pruned layers %.4f sparse; parameters kept %d of %d; export %d bytes sparse vs %d dense "
                        + "(%.1fx smaller)%n", report.sparsity(), report.keptParameters(), report.totalParameters(),
                report.sparseExportBytes(), report.denseExportBytes(),
                (double) report.denseExportBytes() / report.sparseExportBytes());
    }

    private static String describe(EpochMetrics.Pruning p) {
        return p.stage() + ", sparsity " + String.format("%.4f", p.sparsity())
                + (p.admmResidual() == null ? "" : String.format(", ||W-Z||/||W|| %.4f", p.admmResidual()));
    }

    /** Top-1 per head and of the ensemble, for a graph with auxiliary heads; null for a plain network. */
    private static Map<String, Double> headTop1(HeadCounts heads) {
        if (heads.perHead().size() == 1) {
            return null;
        }
        Map<String, Double> top1 = new LinkedHashMap<>();
        top1.put("head_main", heads.perHead().get(0).top1());
        for (int k = 1; k < heads.perHead().size(); k++) {
            top1.put("head_aux" + k, heads.perHead().get(k).top1());
        }
        top1.put("heads_ensemble", heads.ensemble().top1());
        return top1;
    }
}
