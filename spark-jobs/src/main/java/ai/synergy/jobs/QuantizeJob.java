package ai.synergy.jobs;

import ai.synergy.checkpoint.CheckpointStore;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import ai.synergy.dataset.RoundBatches;
import ai.synergy.dataset.ShardedDataset;
import ai.synergy.evaluation.TopKCounts;
import ai.synergy.io.HadoopFiles;
import ai.synergy.metrics.RoundMetrics;
import ai.synergy.pruning.PrunableLayers;
import ai.synergy.quantization.CompactModel;
import ai.synergy.quantization.FrozenWeights;
import ai.synergy.run.RunFolder;
import ai.synergy.training.AdversarialHook;
import ai.synergy.training.ConstraintBroadcast;
import ai.synergy.training.EpochTimeSplit;
import ai.synergy.training.LossEffectScores;
import ai.synergy.training.QuantizationMethod;
import ai.synergy.training.QuantizationRounds;
import ai.synergy.training.QuantizeConfig;
import ai.synergy.training.QuantizeState;
import ai.synergy.training.RoundPlan;
import ai.synergy.training.RoundTrainingMaster;
import ai.synergy.training.WeightConstraintHook;
import ai.synergy.watch.RunWatch;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Driver side of {@code quantize}: incremental quantization rounds staged by the driver, retraining on the executors
 * (docs/methods.md sections 3 and 4). Each round: the driver partitions and quantizes the still-free weights of every
 * quantized layer ({@link QuantizationRounds}) and broadcasts the frozen set; the executors retrain the free weights
 * with parameter averaging (on PGD examples with {@code --adversarial pgd}: the {@link AdversarialHook} train uses)
 * while a {@link WeightConstraintHook} zeroes the frozen weights' gradients and re-imposes
 * their values after every update; the driver re-imposes them after every average (bit-exact), evaluates on the
 * executors and checkpoints the round. The optimizer restarts every round (learning rate schedule from its start,
 * momentum zeroed). The run loop is {@link DriverRun}'s; this class holds what is quantize's own: the rounds, the SLQ
 * probe, the optimizer restart and the compact export. Outputs in {@code <out>}: {@code model.zip} (+
 * {@code model.json}), {@code model-compact.zip}, {@code quantization.json}, {@code rounds.jsonl},
 * {@code checkpoints/round-NNNN/}.
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
        return new DriverRun<>(jsc, console, files, outDir, checkpoints, new Run(files, outDir, checkpoints, model))
                .run(options.resume(), options.stopAfterRound());
    }

    /** quantize's part of the run up to its data: the model it starts from and the rounds' state. */
    private final class Run implements DriverRun.Job<QuantizeState, RoundMetrics, Result> {
        private final HadoopFiles files;
        private final Path outDir;
        private final CheckpointStore<QuantizeState> checkpoints;
        /** The model read before the folder was claimed; null when a checkpoint was expected. */
        private final ComputationGraph model;

        Run(HadoopFiles files, Path outDir, CheckpointStore<QuantizeState> checkpoints, ComputationGraph model) {
            this.files = files;
            this.outDir = outDir;
            this.checkpoints = checkpoints;
            this.model = model;
        }

        @Override
        public DriverRun.Settings settings() {
            return new DriverRun.Settings(RunFolder.Job.QUANTIZE, "round", "round checkpoint", config.data(),
                    config.workers(), config.batchSizePerWorker(), config.averagingFrequency(), config.seed(),
                    config.evalBatchSize(), 2);
        }

        @Override
        public Record config() {
            return config;
        }

        @Override
        public DriverRun.ResumePolicy resumePolicy() {
            return DriverRun.ResumePolicy.sameSettings("quantization rounds never change settings");
        }

        @Override
        public DriverRun.Saved<RoundMetrics> saved(QuantizeState state) {
            return new DriverRun.Saved<>(state.config(), state.roundsCompleted(), state.rounds());
        }

        @Override
        public ComputationGraph firstNetwork() throws IOException {
            return model != null ? model : EvaluateJob.loadFor(jsc, config.model(), config.data());
        }

        @Override
        public Rounds open(DriverRun.Start<QuantizeState> start, ShardedDataset data, RoundPlan plan,
                           RoundTrainingMaster master) throws IOException {
            QuantizationRounds rounds;
            if (start.checkpoint().isPresent()) {
                Path from = start.checkpoint().get().dir();
                rounds = QuantizationRounds.fromBytes(checkpoints.readExtra(start.checkpoint().get(),
                        RunFolder.ROUNDS_STATE).orElseThrow(() -> new InvalidInputException("--resume: " + from
                        + " has no " + RunFolder.ROUNDS_STATE)), new Path(from, RunFolder.ROUNDS_STATE).toString());
                console.printf("resuming from %s (round %d of %d done)%n", from, start.stepsDone(), rounds.rounds());
            } else {
                ComputationGraph graph = start.network();
                rounds = QuantizationRounds.start(config, PrunableLayers.weights(graph),
                        graph.getConfiguration().getTopologicalOrderStr());
            }
            console.printf("quantize %s with %s, %d bits, %d rounds over %d layers, %d retraining epochs per round on "
                            + "%d workers%n", config.model(), config.method().name().toLowerCase(Locale.ROOT),
                    config.bits(), rounds.rounds(), rounds.layers().size(), config.epochsPerRound(), config.workers());
            if (config.adversarial().enabled()) {
                // before the constraint hook, as in train: the frozen weights are re-imposed after the PGD update
                master.addHook(new AdversarialHook(config.adversarial(), config.seed()));
                console.printf("retraining on PGD examples (%d steps, eps %s) for a fraction %s of every minibatch%n",
                        config.adversarial().attack().steps(), config.adversarial().attack().eps(),
                        config.adversarial().ratio());
            }
            return new Rounds(files, outDir, rounds, probe(data), new ConstraintBroadcast(jsc, master));
        }

        @Override
        public Result alreadyFinished() {
            return new Result(null, List.of(), true, null);
        }
    }

    /**
     * quantize's steps: each round partitions and quantizes, then retrains the free weights with a fresh optimizer;
     * at the end, the compact export.
     */
    private final class Rounds implements DriverRun.Steps<QuantizeState, RoundMetrics, Result> {
        private final HadoopFiles files;
        private final Path outDir;
        private final QuantizationRounds rounds;
        private final MultiDataSet probe;
        private final ConstraintBroadcast constraint;
        private CompactModel.Report compact;

        Rounds(HadoopFiles files, Path outDir, QuantizationRounds rounds, MultiDataSet probe,
               ConstraintBroadcast constraint) {
            this.files = files;
            this.outDir = outDir;
            this.rounds = rounds;
            this.probe = probe;
            this.constraint = constraint;
        }

        @Override
        public int total() {
            return rounds.rounds();
        }

        @Override
        public String passName() {
            return "round epoch";
        }

        @Override
        public int passesPerStep() {
            return Math.max(1, config.epochsPerRound());
        }

        @Override
        public RoundMetrics step(int round, DriverRun.Training training) {
            ComputationGraph network = training.network();
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
                lossSum += training.train(round * config.epochsPerRound() + epoch,
                        fraction -> config.schedule().rateAt(e + fraction, config.epochsPerRound()),
                        net -> frozen.adjustWeights(PrunableLayers.weights(net)),
                        "round " + (round + 1) + " epoch " + (epoch + 1));
            }
            if (epochs > 0) {
                loss = lossSum / epochs;
            }
            double trainSeconds = (System.nanoTime() - trainStart) / 1e9;
            DriverRun.Evaluation evaluation = training.evaluate();
            TopKCounts test = evaluation.heads().main();
            RoundMetrics metrics = new RoundMetrics(round + 1, rounds.frozenFraction(), loss, test.top1(),
                    config.data().numClasses() > 5 ? test.top5() : null, partitionSeconds, trainSeconds,
                    evaluation.seconds());
            console.printf("round %d/%d: %.4f of the weights quantized, test top-1 %.4f%s (partition %.2f s, "
                            + "retraining %.1f s)%n", round + 1, rounds.rounds(), metrics.frozenFraction(),
                    metrics.testTop1(), loss == null ? "" : String.format(", loss %.4f", loss), partitionSeconds,
                    trainSeconds);
            return metrics;
        }

        @Override
        public QuantizeState state(int roundsDone, List<RoundMetrics> history, Provenance provenance) {
            return new QuantizeState(roundsDone, config, provenance.dataFingerprint(), provenance.gitRevision(),
                    provenance.createdAt(), history);
        }

        @Override
        public Map<String, byte[]> checkpointExtras() {
            return Map.of(RunFolder.ROUNDS_STATE, rounds.toBytes());
        }

        @Override
        public void watch(RunWatch watch, RoundMetrics metrics, EpochTimeSplit split) {
            watch.quantizationRoundDone(metrics, split);
        }

        @Override
        public void writeLogs(int roundsDone, List<RoundMetrics> history) throws IOException {
            StringBuilder lines = new StringBuilder();
            for (RoundMetrics m : history) {
                lines.append(Json.writeLine(m)).append('\n');
            }
            files.writeAtomically(new Path(outDir, RunFolder.ROUNDS), lines.toString());
        }

        @Override
        public void writeReport(List<RoundMetrics> history, QuantizeState state, boolean finished)
                throws IOException {
            RunReport.writeQuantization(files, outDir, history, state, finished,
                    finished ? Optional.of(compact.compression()) : Optional.empty());
        }

        @Override
        public ComputationGraph exportFinal(ComputationGraph model) throws IOException {
            Map<String, INDArray> weights = PrunableLayers.weights(model);
            Set<String> quantized = new TreeSet<>();
            for (String layer : rounds.layers()) {
                QuantizationReport.check(layer, weights.get(layer), rounds, config);
                quantized.add(layer + "_W");
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            compact = CompactModel.write(model, quantized, bytes);
            files.writeAtomically(new Path(outDir, RunFolder.COMPACT_MODEL), bytes.toByteArray());
            files.writeAtomically(new Path(outDir, RunFolder.QUANTIZATION_REPORT), Json.write(QuantizationReport.of(
                    compact, weights, rounds.layers())));
            return model;
        }

        @Override
        public Result result(ComputationGraph model, List<RoundMetrics> history, boolean finished) {
            if (finished) {
                console.printf("quantized model: %s/%s; compact export %s/%s: %d bytes of parameters against %d as "
                                + "float32 (%.1fx smaller)%n", options.out(), RunFolder.MODEL, options.out(),
                        RunFolder.COMPACT_MODEL, compact.compactBytes(), compact.denseBytes(), compact.compression());
            }
            return new Result(model, history, finished, compact);
        }

        @Override
        public void close() {
            constraint.close();
        }
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
}
