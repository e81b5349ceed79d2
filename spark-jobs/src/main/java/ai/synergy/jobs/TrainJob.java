package ai.synergy.jobs;

import ai.synergy.training.CheckpointState;
import ai.synergy.checkpoint.CheckpointStore;
import ai.synergy.io.HadoopFiles;
import ai.synergy.config.Credentials;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import ai.synergy.dks.LeanExport;
import ai.synergy.evaluation.DistributedEvaluator;
import ai.synergy.evaluation.HeadCounts;
import ai.synergy.evaluation.TopKCounts;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.model.ModelCost;
import ai.synergy.nd4j.Nd4jRuntime;
import ai.synergy.pruning.SparsityReport;
import ai.synergy.run.RecordDiff;
import ai.synergy.run.RunFolder;
import ai.synergy.dataset.BatchSpec;
import ai.synergy.dataset.ShardedDataset;
import ai.synergy.spark.SparkErrors;
import ai.synergy.training.AdversarialHook;
import ai.synergy.training.EpochTimeSplit;
import ai.synergy.training.EpochTrainer;
import ai.synergy.training.PruningStages;
import ai.synergy.training.RoundPlan;
import ai.synergy.training.RoundTrainingMaster;
import ai.synergy.training.TrainConfig;
import ai.synergy.training.TrainingDivergedException;
import ai.synergy.training.TrainingStage;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Driver side of {@code train}: synchronous parameter averaging over Spark executors, one averaging round at a time,
 * with the learning rate evaluated on the driver, evaluation on the executors after every epoch, atomic checkpoints
 * with provenance, and {@code --resume}. Outputs in {@code <out>}: {@code metrics.jsonl}, {@code curves.png},
 * {@code model.zip} and {@code model.json} (provenance), {@code checkpoints/epoch-NNNN/}.
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
        try (RunFolder folder = RunFolder.claim(files, outDir, RunFolder.Job.TRAIN, checkpoints, options.resume(),
                "--out")) {
            if (folder.start() == RunFolder.Start.FINISHED) {
                console.printf("%s holds the finished run; nothing to do%n", folder.dir());
                return new Result(null, List.of(), true, options.out());
            }
            Optional<CheckpointStore.Checkpoint<CheckpointState>> start = startingPoint(folder, checkpoints);
            return LoadedData.use(jsc, config.data(), config.workers(),
                    data -> train(folder, files, outDir, checkpoints, start, data));
        }
    }

    /** Settings a resumed run may change: they do not change what is computed. */
    static final Set<String> CHANGEABLE_ON_RESUME = Set.of("keepCheckpoints", "evalBatchSize", "data.shardCheck");
    /** Settings whose state lives in the checkpoint (its graph, heads, ADMM variables): never changed on resume. */
    static final Set<String> FIXED_ON_RESUME = Set.of("model", "supervision", "pruning");

    /** Settings changed on resume so far (from the checkpoint's provenance, plus this resume's). */
    private List<String> settingChanges = List.of();

    private Optional<CheckpointStore.Checkpoint<CheckpointState>> startingPoint(
            RunFolder folder, CheckpointStore<CheckpointState> checkpoints) throws IOException {
        if (folder.start() == RunFolder.Start.FRESH) {
            if (options.resume() != RunFolder.Resume.NO) {
                console.printf("no complete checkpoint in %s yet: starting from the beginning%n", folder.dir());
            }
            return Optional.empty();
        }
        CheckpointStore.Checkpoint<CheckpointState> latest = checkpoints.latest().orElseThrow();
        CheckpointState saved = latest.state();
        List<String> changed = RecordDiff.between(saved.config(), config, CHANGEABLE_ON_RESUME);
        List<String> fixed = changed.stream().filter(line -> FIXED_ON_RESUME.stream().anyMatch(
                name -> line.startsWith(name + ".") || line.startsWith(name + ":"))).toList();
        if (!fixed.isEmpty() || (!changed.isEmpty() && !options.allowChangedSettings())) {
            throw new InvalidInputException("--resume: checkpoint " + latest.dir() + " was written by a run with other "
                    + "settings (" + String.join("; ", fixed.isEmpty() ? changed : fixed) + "); pass the same options "
                    + "to resume it" + (fixed.isEmpty() ? " (or --allow-changed-settings to continue with these)"
                    : " (the model, its heads and pruning cannot change in a run)")
                    + ", or choose another --out for a new run");
        }
        List<String> all = new ArrayList<>(saved.settingChanges());
        for (String change : changed) {
            console.printf("resuming with a changed setting: %s%n", change);
            all.add("after epoch " + saved.epochsCompleted() + ": " + change);
        }
        settingChanges = all;
        return Optional.of(latest);
    }

    private Result train(RunFolder folder, HadoopFiles files, Path outDir, CheckpointStore<CheckpointState> checkpoints,
                         Optional<CheckpointStore.Checkpoint<CheckpointState>> start, ShardedDataset data) throws IOException {
        ComputationGraph graph;
        List<EpochMetrics> history = new ArrayList<>();
        int firstEpoch = 0;
        Optional<PruningStages.Saved> savedPruning = Optional.empty();
        if (start.isPresent()) {
            graph = checkpoints.loadModel(start.get());
            history.addAll(start.get().state().metrics());
            firstEpoch = start.get().state().epochsCompleted();
            savedPruning = checkpoints.readExtra(start.get(), RunFolder.PRUNING_STATE).map(bytes -> PruningStages.Saved.fromBytes(
                    bytes, new Path(start.get().dir(), RunFolder.PRUNING_STATE).toString()));
            console.printf(firstEpoch < config.totalEpochs() ? "resuming from %s (epoch %d of %d done)%n"
                            : "finishing the run from %s (epoch %d of %d done; the final model was not written)%n",
                    start.get().dir(), firstEpoch, config.totalEpochs());
        } else {
            graph = config.supervision().createTrainingGraph(config.model(), config.optimizer());
            if (config.initModel() != null) {
                InitialModel.copyParameters(HadoopFiles.of(config.initModel(), jsc.hadoopConfiguration()),
                        config.initModel(), graph);
                console.printf("starting from the parameters of %s%n", config.initModel());
            }
        }
        Map<String, Long> helpers = Nd4jRuntime.helperSummary(graph);
        log.info("{}; layer helpers {}", Nd4jRuntime.describe(), helpers);
        if (helpers.containsKey("none")) {
            log.warn("some conv/batch-norm layers run without oneDNN/cuDNN helpers (slow): is -D{}=false set and the "
                    + "onednn nd4j-native classifier on the classpath?", Nd4jRuntime.HELPERS_DISABLE_PROPERTY);
        }
        RoundPlan plan = RoundPlan.of(data.minTrainShardSize(), config.batchSizePerWorker(),
                config.averagingFrequency());
        RoundTrainingMaster master = RoundTrainingMaster.create(config.workers(), config.batchSizePerWorker(),
                config.averagingFrequency(), config.seed());
        if (config.adversarial().enabled()) {
            master.addHook(new AdversarialHook(config.adversarial(), config.seed()));
        }
        PruningStages pruning = new PruningStages(jsc, config, master);
        if (config.pruning().enabled()) {
            pruning.validate(graph); // before the dense epochs, not when the ADMM stage begins
        }
        savedPruning.ifPresent(pruning::restore);
        SparkComputationGraph sparkGraph = new SparkComputationGraph(jsc, graph, master);
        console.printf("train %s on %s: %d workers x %d minibatches of %d per epoch, averaging every %d, %d epochs, "
                        + "%d trainable parameters%n", config.model().architecture().canonicalName(),
                Credentials.redact(config.data().name()), config.workers(), plan.batchesPerWorker(), config.batchSizePerWorker(),
                config.averagingFrequency(), config.totalEpochs(),
                ModelCost.trainableParameters(graph.getConfiguration()));
        try {
            return trainEpochs(folder, files, outDir, checkpoints, data, sparkGraph, master, plan, pruning, history,
                    firstEpoch);
        } finally {
            pruning.close();
        }
    }

    private Result trainEpochs(RunFolder folder, HadoopFiles files, Path outDir, CheckpointStore<CheckpointState> checkpoints, ShardedDataset data,
                               SparkComputationGraph sparkGraph, RoundTrainingMaster master, RoundPlan plan,
                               PruningStages pruning, List<EpochMetrics> history, int firstEpoch) throws IOException {
        int numClasses = config.data().numClasses();
        BatchSpec batchSpec = config.data().batchSpec();

        EpochTrainer trainer = new EpochTrainer(data, sparkGraph, master, plan, config.seed(),
                config.batchSizePerWorker(), batchSpec);
        long imagesPerEpoch = trainer.imagesPerEpoch(config.workers());
        ConsoleProgress progress = new ConsoleProgress(console, "epoch", config.totalEpochs() - firstEpoch,
                plan.rounds(), imagesPerEpoch);
        for (int epoch = firstEpoch; epoch < config.totalEpochs(); epoch++) {
            long epochStart = System.nanoTime();
            int e = epoch;
            TrainingStage stage = config.stageOf(epoch);
            pruning.beginEpoch(epoch, sparkGraph.getNetwork(), console);
            // each stage runs the schedule over its own length (docs/methods.md section 2: ADMM, then retraining)
            double inStage = epoch - config.stageStart(stage);
            double loss = trainer.train(epoch,
                    fraction -> config.schedule().rateAt(inStage + fraction, config.stageLength(stage)),
                    network -> pruning.afterRound(e, network),
                    (round, roundLoss, rate) -> progress.roundDone(e, round, roundLoss, rate),
                    "epoch " + (epoch + 1), () -> lastCheckpoint(checkpoints));
            double rate = trainer.lastRate();
            EpochTimeSplit split = trainer.lastTimeSplit();
            pruning.endEpoch(epoch, sparkGraph.getNetwork());
            double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
            long evalStart = System.nanoTime();
            HeadCounts heads = DistributedEvaluator.evaluate(jsc, sparkGraph.getNetwork(), data.test(),
                    config.evalBatchSize(), batchSpec);
            TopKCounts test = heads.main();
            double evalSeconds = (System.nanoTime() - evalStart) / 1e9;
            EpochMetrics metrics = new EpochMetrics(epoch + 1, loss, rate, test.top1(),
                    numClasses > 5 ? test.top5() : null, test.examples(), imagesPerEpoch / trainSeconds,
                    trainSeconds, evalSeconds, headTop1(heads), pruning.metrics(epoch, sparkGraph.getNetwork()));
            history.add(metrics);
            console.printf("epoch %d/%d%s: loss %.4f, test top-1 %.4f%s on %d images, %.0f images/s, %.1f s "
                            + "(+%.1f s eval)%n", epoch + 1, config.totalEpochs(),
                    metrics.pruning() == null ? "" : " (" + describe(metrics.pruning()) + ")",
                    metrics.trainLoss(), metrics.testTop1(),
                    metrics.testTop5() == null ? "" : String.format(", top-5 %.4f", metrics.testTop5()),
                    metrics.testExamples(), metrics.imagesPerSecond(), trainSeconds, evalSeconds);
            if (metrics.headTop1() != null) {
                console.printf("  heads top-1: %s%n", metrics.headTop1());
            }
            console.printf("  time split: %s%n", split.describe());

            CheckpointState state = new CheckpointState(epoch + 1, config, data.fingerprint(),
                    Provenance.sourceRevision(), Instant.now().toString(), history, settingChanges);
            checkpoints.save(sparkGraph.getNetwork(), state, epoch + 1, config.keepCheckpoints(),
                    config.pruning().enabled() ? Map.of(RunFolder.PRUNING_STATE, pruning.saved().toBytes()) : Map.of());
            RunOutputs.writeMetrics(files, outDir, history, config.model().architecture().canonicalName());
            RunOutputs.writeTimeSplit(files, outDir, epoch + 1, split);
            RunReport.writeTraining(files, outDir, history, state, false);
            if (options.stopAfterEpoch() > 0 && epoch + 1 == options.stopAfterEpoch()
                    && epoch + 1 < config.totalEpochs()) {
                console.printf("stopped after epoch %d as asked; continue with --resume%n", epoch + 1);
                return new Result(sparkGraph.getNetwork(), history, false, options.out());
            }
        }
        CheckpointState finalState = new CheckpointState(config.totalEpochs(), config, data.fingerprint(),
                Provenance.sourceRevision(), Instant.now().toString(), history, settingChanges);
        ComputationGraph model = sparkGraph.getNetwork();
        if (config.supervision().headCount() > 1) {
            model = LeanExport.export(model, config.model(), config.optimizer());
            console.printf("exported the main head without the %d auxiliary heads: %d parameters (training graph %d)%n",
                    config.supervision().headCount() - 1, model.numParams(), sparkGraph.getNetwork().numParams());
        }
        if (config.pruning().enabled()) {
            SparsityReport report = pruning.report(model);
            RunOutputs.writeSparsity(files, outDir, report);
            printSparsity(report);
        }
        RunOutputs.writeModel(files, outDir, model, Json.write(finalState));
        folder.markFinished();
        RunReport.writeTraining(files, outDir, history, finalState, true);
        return new Result(sparkGraph.getNetwork(), history, true, options.out());
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
        Map<String, Double> top1 = new java.util.LinkedHashMap<>();
        top1.put("head_main", heads.perHead().get(0).top1());
        for (int k = 1; k < heads.perHead().size(); k++) {
            top1.put("head_aux" + k, heads.perHead().get(k).top1());
        }
        top1.put("heads_ensemble", heads.ensemble().top1());
        return top1;
    }

    static <S> String lastCheckpoint(CheckpointStore<S> checkpoints) {
        try {
            return checkpoints.latest().map(c -> c.dir().toString()).orElse("none");
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
