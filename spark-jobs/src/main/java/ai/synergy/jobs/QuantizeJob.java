package ai.synergy.jobs;

import ai.synergy.checkpoint.CheckpointStore;
import ai.synergy.io.HadoopFiles;
import ai.synergy.training.QuantizeState;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import ai.synergy.evaluation.DistributedEvaluator;
import ai.synergy.evaluation.TopKCounts;
import ai.synergy.metrics.RoundMetrics;
import ai.synergy.pruning.PrunableLayers;
import ai.synergy.quantization.CompactModel;
import ai.synergy.run.RecordDiff;
import ai.synergy.run.RunFolder;
import ai.synergy.quantization.FrozenWeights;
import ai.synergy.dataset.RoundBatches;
import ai.synergy.dataset.ShardedDataset;
import ai.synergy.spark.SparkErrors;
import ai.synergy.training.EpochTrainer;
import ai.synergy.training.LossEffectScores;
import ai.synergy.training.QuantizationMethod;
import ai.synergy.training.QuantizationRounds;
import ai.synergy.training.QuantizeConfig;
import ai.synergy.training.RoundPlan;
import ai.synergy.training.RoundTrainingMaster;
import ai.synergy.training.TrainingDivergedException;
import ai.synergy.training.ConstraintBroadcast;
import ai.synergy.training.WeightConstraintHook;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Driver side of {@code quantize}: incremental quantization rounds staged by the driver, retraining on the executors
 * (docs/methods.md sections 3 and 4). Each round: the driver partitions and quantizes the still-free weights of every
 * quantized layer ({@link QuantizationRounds}) and broadcasts the frozen set; the executors retrain the free weights
 * with parameter averaging while a {@link WeightConstraintHook} zeroes the frozen weights' gradients and re-imposes
 * their values after every update; the driver re-imposes them after every average (bit-exact), evaluates on the
 * executors and checkpoints the round. The optimizer restarts every round (learning rate schedule from its start,
 * momentum zeroed). Outputs in {@code <out>}: {@code model.zip} (+ {@code model.json}), {@code model-compact.zip},
 * {@code quantization.json}, {@code rounds.jsonl}, {@code checkpoints/round-NNNN/}.
 */
public final class QuantizeJob {

    /** What a run produced. */
    public record Result(ComputationGraph model, List<RoundMetrics> rounds, boolean finished,
                         CompactModel.Report compact) {
    }

    /**
     * How a run starts and stops.
     *
     * @param out            output folder URI
     * @param resume         whether to continue the run in {@code out} (no, yes, or auto: if there is one)
     * @param stopAfterRound end the run (as if interrupted) after this round's checkpoint; 0 = run to the end
     */
    public record RunOptions(String out, RunFolder.Resume resume, int stopAfterRound) {
        /** Options with a plain {@code --resume} flag. */
        public RunOptions(String out, boolean resume, int stopAfterRound) {
            this(out, RunFolder.Resume.of(resume), stopAfterRound);
        }
    }

    private final JavaSparkContext jsc;
    private final QuantizeConfig config;
    private final RunOptions options;
    private final PrintStream console;

    public QuantizeJob(JavaSparkContext jsc, QuantizeConfig config, RunOptions options, PrintStream console) {
        this.jsc = jsc;
        this.config = config;
        this.options = options;
        this.console = console;
    }

    /** Runs the job; bad input surfaces as {@link InvalidInputException} before anything is written. */
    public Result run() throws IOException {
        HadoopFiles files = HadoopFiles.of(options.out(), jsc.hadoopConfiguration());
        Path outDir = HadoopFiles.path(options.out());
        CheckpointStore<QuantizeState> checkpoints = new CheckpointStore<>(files, outDir, "round",
                QuantizeState.class);
        // the model is read first: a bad --model leaves --out untouched (not even created)
        ComputationGraph model = options.resume() != RunFolder.Resume.NO && checkpoints.hasComplete() ? null
                : EvaluateJob.loadFor(jsc, config.model(), config.data());
        try (RunFolder folder = RunFolder.claim(files, outDir, RunFolder.Job.QUANTIZE, checkpoints, options.resume(),
                "--out")) {
            if (folder.start() == RunFolder.Start.FINISHED) {
                console.printf("%s holds the finished run; nothing to do%n", folder.dir());
                return new Result(null, List.of(), true, null);
            }
            Optional<CheckpointStore.Checkpoint<QuantizeState>> start = startingPoint(folder, checkpoints);
            ComputationGraph source = start.isPresent() ? checkpoints.loadModel(start.get())
                    : model != null ? model : EvaluateJob.loadFor(jsc, config.model(), config.data());
            return LoadedData.use(jsc, config.data(), config.workers(),
                    data -> quantize(folder, files, outDir, checkpoints, start, source, data));
        }
    }

    private Optional<CheckpointStore.Checkpoint<QuantizeState>> startingPoint(
            RunFolder folder, CheckpointStore<QuantizeState> checkpoints) throws IOException {
        if (folder.start() == RunFolder.Start.FRESH) {
            if (options.resume() != RunFolder.Resume.NO) {
                console.printf("no complete round checkpoint in %s yet: starting from the beginning%n", folder.dir());
            }
            return Optional.empty();
        }
        CheckpointStore.Checkpoint<QuantizeState> latest = checkpoints.latest().orElseThrow();
        List<String> changed = RecordDiff.between(latest.state().config(), config, TrainJob.CHANGEABLE_ON_RESUME);
        if (!changed.isEmpty()) {
            throw new InvalidInputException("--resume: checkpoint " + latest.dir() + " was written by a run with other "
                    + "settings (" + String.join("; ", changed) + "); pass the same options to resume it (quantization "
                    + "rounds never change settings), or choose "
                    + "another --out for a new run");
        }
        return Optional.of(latest);
    }

    private Result quantize(RunFolder folder, HadoopFiles files, Path outDir, CheckpointStore<QuantizeState> checkpoints,
                            Optional<CheckpointStore.Checkpoint<QuantizeState>> start, ComputationGraph graph,
                            ShardedDataset data) throws IOException {
        List<RoundMetrics> history = new ArrayList<>();
        QuantizationRounds rounds;
        int firstRound = 0;
        if (start.isPresent()) {
            history.addAll(start.get().state().rounds());
            firstRound = start.get().state().roundsCompleted();
            rounds = QuantizationRounds.fromBytes(checkpoints.readExtra(start.get(), RunFolder.ROUNDS_STATE).orElseThrow(
                    () -> new InvalidInputException("--resume: " + start.get().dir() + " has no " + RunFolder.ROUNDS_STATE)),
                    new Path(start.get().dir(), RunFolder.ROUNDS_STATE).toString());
            console.printf("resuming from %s (round %d of %d done)%n", start.get().dir(), firstRound,
                    rounds.rounds());
        } else {
            rounds = QuantizationRounds.start(config, PrunableLayers.weights(graph),
                    graph.getConfiguration().getTopologicalOrderStr());
        }
        RoundPlan plan = RoundPlan.of(data.minTrainShardSize(), config.batchSizePerWorker(),
                config.averagingFrequency());
        RoundTrainingMaster master = RoundTrainingMaster.create(config.workers(), config.batchSizePerWorker(),
                config.averagingFrequency(), config.seed());
        SparkComputationGraph sparkGraph = new SparkComputationGraph(jsc, graph, master);
        EpochTrainer trainer = new EpochTrainer(data, sparkGraph, master, plan, config.seed(),
                config.batchSizePerWorker(), config.data().batchSpec());
        console.printf("quantize %s with %s, %d bits, %d rounds over %d layers, %d retraining epochs per round on %d "
                        + "workers%n", config.model(), config.method().name().toLowerCase(java.util.Locale.ROOT),
                config.bits(), rounds.rounds(), rounds.layers().size(), config.epochsPerRound(), config.workers());
        ConsoleProgress progress = new ConsoleProgress(console, "round epoch",
                (rounds.rounds() - firstRound) * Math.max(1, config.epochsPerRound()), plan.rounds(),
                trainer.imagesPerEpoch(config.workers()));
        MultiDataSet probe = probe(data);
        try (ConstraintBroadcast constraint = new ConstraintBroadcast(jsc, master)) {
            for (int round = firstRound; round < rounds.rounds(); round++) {
                ComputationGraph network = sparkGraph.getNetwork();
                long partitionStart = System.nanoTime();
                FrozenWeights frozen = rounds.quantizeRound(round, PrunableLayers.weights(network),
                        new LossEffectScores(network, probe));
                double partitionSeconds = (System.nanoTime() - partitionStart) / 1e9;
                constraint.install(frozen);
                restartOptimizer(network);

                long trainStart = System.nanoTime();
                Double loss = null;
                boolean allFrozen = rounds.frozenFraction() >= 1;
                int epochs = allFrozen ? 0 : config.epochsPerRound();
                double lossSum = 0;
                for (int epoch = 0; epoch < epochs; epoch++) {
                    int e = epoch;
                    int r = round;
                    lossSum += trainer.train(round * config.epochsPerRound() + epoch,
                            fraction -> config.schedule().rateAt(e + fraction, config.epochsPerRound()),
                            net -> frozen.adjustWeights(PrunableLayers.weights(net)),
                            (averagingRound, roundLoss, rate) -> progress.roundDone(
                                    r * config.epochsPerRound() + e, averagingRound, roundLoss, rate),
                            "round " + (round + 1) + " epoch " + (epoch + 1), () -> TrainJob.lastCheckpoint(checkpoints));
                }
                if (epochs > 0) {
                    loss = lossSum / epochs;
                }
                double trainSeconds = (System.nanoTime() - trainStart) / 1e9;
                long evalStart = System.nanoTime();
                TopKCounts test = DistributedEvaluator.evaluate(jsc, sparkGraph.getNetwork(), data.test(),
                        config.evalBatchSize(), config.data().batchSpec()).main();
                double evalSeconds = (System.nanoTime() - evalStart) / 1e9;
                RoundMetrics metrics = new RoundMetrics(round + 1, rounds.frozenFraction(), loss, test.top1(),
                        config.data().numClasses() > 5 ? test.top5() : null, partitionSeconds, trainSeconds,
                        evalSeconds);
                history.add(metrics);
                console.printf("round %d/%d: %.4f of the weights quantized, test top-1 %.4f%s (partition %.2f s, "
                                + "retraining %.1f s)%n", round + 1, rounds.rounds(), metrics.frozenFraction(),
                        metrics.testTop1(), loss == null ? "" : String.format(", loss %.4f", loss), partitionSeconds,
                        trainSeconds);
                QuantizeState state = new QuantizeState(round + 1, config, data.fingerprint(),
                        Provenance.sourceRevision(), Instant.now().toString(), history);
                checkpoints.save(sparkGraph.getNetwork(), state, round + 1, 2,
                        Map.of(RunFolder.ROUNDS_STATE, rounds.toBytes()));
                writeRoundsLog(files, outDir, history);
                RunReport.writeQuantization(files, outDir, history, state, false, Optional.empty());
                if (options.stopAfterRound() > 0 && round + 1 == options.stopAfterRound()
                        && round + 1 < rounds.rounds()) {
                    console.printf("stopped after round %d as asked; continue with --resume%n", round + 1);
                    return new Result(sparkGraph.getNetwork(), history, false, null);
                }
            }
        }
        return finish(folder, files, outDir, rounds, sparkGraph.getNetwork(), history, data.fingerprint());
    }

    private Result finish(RunFolder folder, HadoopFiles files, Path outDir, QuantizationRounds rounds, ComputationGraph model,
                          List<RoundMetrics> history, String fingerprint) throws IOException {
        Map<String, INDArray> weights = PrunableLayers.weights(model);
        Set<String> quantized = new TreeSet<>();
        for (String layer : rounds.layers()) {
            QuantizationReport.check(layer, weights.get(layer), rounds, config);
            quantized.add(layer + "_W");
        }
        ByteArrayOutputStream compact = new ByteArrayOutputStream();
        CompactModel.Report report = CompactModel.write(model, quantized, compact);
        files.writeAtomically(new Path(outDir, RunFolder.COMPACT_MODEL), compact.toByteArray());
        files.writeAtomically(new Path(outDir, RunFolder.QUANTIZATION_REPORT), Json.write(QuantizationReport.of(report, weights,
                rounds.layers())));
        QuantizeState state = new QuantizeState(rounds.rounds(), config, fingerprint,
                Provenance.sourceRevision(), Instant.now().toString(), history);
        RunOutputs.writeModel(files, outDir, model, Json.write(state));
        folder.markFinished();
        RunReport.writeQuantization(files, outDir, history, state, true, Optional.of(report.compression()));
        console.printf("quantized model: %s/%s; compact export %s/%s: %d bytes of parameters against %d as float32 "
                        + "(%.1fx smaller)%n", options.out(), RunFolder.MODEL, options.out(), RunFolder.COMPACT_MODEL,
                report.compactBytes(), report.denseBytes(), report.compression());
        return new Result(model, history, true, report);
    }

    /**
     * SLQ: a fixed minibatch of up to 256 training examples for the loss-effect scores, built on the executors from
     * their shards (shuffle index -1, never a training epoch's); null for the other methods.
     */
    private MultiDataSet probe(ShardedDataset data) {
        if (config.method() != QuantizationMethod.SLQ) {
            return null;
        }
        int perWorker = Math.max(1, Math.min(data.minTrainShardSize(), 256 / config.workers()));
        List<MultiDataSet> batches = data.train().mapPartitions(new RoundBatches(config.seed(), -1, 0, 1, perWorker,
                config.data().batchSpec()), true).collect();
        return org.nd4j.linalg.dataset.MultiDataSet.merge(batches);
    }

    /** A round starts with a fresh optimizer: momentum (updater state) zeroed; the schedule restarts by itself. */
    private static void restartOptimizer(ComputationGraph network) {
        if (network.getUpdater() != null && network.getUpdater().getStateViewArray() != null) {
            network.getUpdater().getStateViewArray().assign(0);
        }
    }

    private static void writeRoundsLog(HadoopFiles files, Path outDir, List<RoundMetrics> history)
            throws IOException {
        StringBuilder lines = new StringBuilder();
        for (RoundMetrics m : history) {
            lines.append(Json.writeLine(m)).append('\n');
        }
        files.writeAtomically(new Path(outDir, RunFolder.ROUNDS), lines.toString());
    }
}
