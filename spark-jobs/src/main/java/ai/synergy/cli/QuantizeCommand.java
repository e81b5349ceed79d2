package ai.synergy.cli;

import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Require;
import ai.synergy.jobs.QuantizeJob;
import ai.synergy.run.RunFolder;
import ai.synergy.spark.SparkContexts;
import ai.synergy.training.Averaging;
import ai.synergy.training.QuantizationMethod;
import ai.synergy.training.QuantizeConfig;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code synergy quantize}: options -> {@link QuantizeConfig} -> {@link QuantizeJob}. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Quantize a trained model in rounds: the driver partitions and quantizes the weights, the "
                + "executors retrain the rest (INQ, SLQ or MLQ).")
final class QuantizeCommand implements Callable<Integer> {
    @Mixin
    DataOptions dataOptions;

    @Option(names = "--model", required = true, description = "The trained model.zip (train's export or a checkpoint).")
    String model;

    @Option(names = "--method", defaultValue = QuantizeConfig.DEFAULT_METHOD,
            description = "inq (power-of-two codebook), slq (k-means codebook) or mlq (ternary, layer by layer) "
                    + "(default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--bits", defaultValue = "" + QuantizeConfig.DEFAULT_BITS,
            description = "Bit-width b: 2^(b-1)+1 values per layer (mlq is ternary) (default: ${DEFAULT-VALUE}).")
    int bits;

    @Option(names = "--portions", split = ",",
            description = "Accumulated portion quantized after each round, ending at 1 (default per bit-width: 5 bits "
                    + ".5,.75,.875,1; 4 bits .3,.5,.8,.9,.95,1; 2 bits .2,.4,.6,.7,.8,.85,.9,.95,.975,1).")
    List<Double> portions;

    @Option(names = "--partition", defaultValue = "magnitude",
            description = "inq: magnitude (largest |w| first) or random (the ablation) (default: ${DEFAULT-VALUE}).")
    String partition;

    @Option(names = "--mlq-stages", defaultValue = "" + QuantizeConfig.DEFAULT_MLQ_STAGES,
            description = "mlq: layer stages, in network order (default: ${DEFAULT-VALUE}).")
    int mlqStages;

    @Option(names = "--skip-layers", split = ",", description = "Layers kept in float, e.g. stem_conv,output.")
    List<String> skipLayers = List.of();

    @Option(names = "--epochs-per-round", defaultValue = "" + QuantizeConfig.DEFAULT_EPOCHS_PER_ROUND,
            description = "Retraining epochs after each round's partition (default: ${DEFAULT-VALUE}).")
    int epochsPerRound;

    @Option(names = "--lr", defaultValue = "" + QuantizeConfig.DEFAULT_LEARNING_RATE,
            description = "Retraining learning rate, cosine-annealed over each round (default: ${DEFAULT-VALUE}).")
    double lr;

    @Mixin
    AdversarialTrainingOptions adversarialOptions;

    @Mixin
    AveragingOptions averaging;

    @Option(names = "--seed", defaultValue = "" + Averaging.SEED, description = "Seed of shuffles and of the random partition (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    RunFolderOptions runFolder;

    @Option(names = "--stop-after-round", defaultValue = "0",
            description = "End this run after round N's checkpoint (continue with --resume); 0 = run to the end.")
    int stopAfterRound;

    @Override
    public Integer call() throws Exception {
        QuantizeConfig.Builder settings = settings().validate(); // before Spark starts
        Require.atLeast("stopAfterRound", stopAfterRound, 0);
        try (SparkContexts.JobContext context = SparkContexts.open("synergy-quantize", averaging.workers)) {
            JavaSparkContext jsc = context.jsc();
            QuantizeConfig config = settings.build(jsc.hadoopConfiguration());
            QuantizeJob.Result result = new QuantizeJob(jsc, config, new QuantizeJob.RunOptions(runFolder.out,
                    runFolder.resume(), stopAfterRound), System.out).run();
            String out = runFolder.out;
            if (result.finished() && !result.rounds().isEmpty()) {
                var last = result.rounds().get(result.rounds().size() - 1);
                System.out.printf("test top-1 %.4f after %d rounds; %.1fx smaller than float32; report: %s/%s, "
                                + "rounds: %s/%s, per layer: %s/%s%n", last.testTop1(), last.round(),
                        result.compact().compression(), out, RunFolder.REPORT, out,
                        RunFolder.ROUNDS, out, RunFolder.QUANTIZATION_REPORT);
            }
        }
        return 0;
    }

    /** The run these options describe; the data set is resolved when it is built. */
    QuantizeConfig.Builder settings() {
        if (!partition.equals("magnitude") && !partition.equals("random")) {
            throw new InvalidInputException("--partition: unknown partition '" + partition
                    + "'; accepted: magnitude, random");
        }
        return QuantizeConfig.builder()
                .data(dataOptions.source())
                .model(model)
                .method(QuantizationMethod.parse(method))
                .bits(bits)
                .portions(portions)
                .randomPartition(partition.equals("random"))
                .mlqStages(mlqStages)
                .skipLayers(skipLayers)
                .epochsPerRound(epochsPerRound)
                .learningRate(lr)
                .adversarial(adversarialOptions.settings())
                .workers(averaging.workers)
                .batchSizePerWorker(averaging.batchSize)
                .averagingFrequency(averaging.averagingFrequency)
                .evalBatchSize(averaging.evalBatchSize)
                .seed(seed);
    }
}
