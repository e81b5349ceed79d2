package ai.synergy.cli;

import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Require;
import ai.synergy.dks.Supervision;
import ai.synergy.dks.SupervisionConfig;
import ai.synergy.jobs.TrainJob;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.spark.SparkContexts;
import ai.synergy.training.Averaging;
import ai.synergy.training.TrainConfig;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code synergy train}: options -> {@link TrainConfig.Builder} -> {@link TrainJob}. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a ResNet with synchronous parameter averaging over Spark executors.")
final class TrainCommand implements Callable<Integer> {
    @Mixin
    DataOptions dataOptions;

    @Option(names = "--model", defaultValue = TrainConfig.DEFAULT_MODEL,
            description = "resnet8|14|20|32|56|110 (CIFAR family, any 6k+2), resnet18|34|50|101|152 (ImageNet family) "
                    + "(default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--width", defaultValue = "" + TrainConfig.DEFAULT_WIDTH,
            description = "CIFAR-family width multiplier: 1 = 16/32/64 channels, 0.5 = 8/16/32, 2 = 32/64/128 "
                    + "(default: ${DEFAULT-VALUE}).")
    double width;

    @Option(names = "--supervision", defaultValue = TrainConfig.DEFAULT_SUPERVISION,
            description = "none (one classifier), ds (deep supervision: cross-entropy on auxiliary heads too) or dks "
                    + "(deeply-supervised knowledge synergy); model.zip is always the plain network (default: ${DEFAULT-VALUE}).")
    String supervision;

    @Option(names = "--aux-stages", split = ",",
            description = "ds/dks: stages whose outputs get an auxiliary head (default: the DKS paper's, 1,2 for the CIFAR "
                    + "family, 2,3 = conv3_x,conv4_x for the ImageNet family).")
    List<Integer> auxStages;

    @Option(names = "--synergy-weight", defaultValue = "" + SupervisionConfig.DEFAULT_SYNERGY_WEIGHT,
            description = "dks: weight of the pairwise synergy term (default: ${DEFAULT-VALUE}, the paper's).")
    double synergyWeight;

    @Option(names = "--synergy-temperature", defaultValue = "" + SupervisionConfig.DEFAULT_TEMPERATURE,
            description = "dks: softmax temperature of the synergy term (default: ${DEFAULT-VALUE}, the paper's).")
    double synergyTemperature;

    @Mixin
    AdversarialTrainingOptions adversarialOptions;

    @Mixin
    PruningOptions pruningOptions;

    @Option(names = "--init-model", paramLabel = "URI",
            description = "Start from the parameters of this model.zip (same --model), e.g. a dense model to prune.")
    String initModel;

    @Option(names = "--epochs", defaultValue = "" + TrainConfig.DEFAULT_EPOCHS,
            description = "Passes over the training data; with --prune, the dense epochs before ADMM (0 allowed with "
                    + "--init-model) (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Mixin
    AveragingOptions averaging;

    @Option(names = "--lr", defaultValue = "" + TrainConfig.DEFAULT_LEARNING_RATE, description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--lr-schedule", defaultValue = TrainConfig.DEFAULT_SCHEDULE,
            description = "constant, step, cosine or onecycle (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--milestones", split = ",", description = "Epochs at which a step schedule multiplies by --gamma, e.g. 60,120,160.")
    List<Double> milestones = List.of();

    @Option(names = "--gamma", defaultValue = "" + TrainConfig.DEFAULT_GAMMA, description = "Step schedule factor (default: ${DEFAULT-VALUE}).")
    double gamma;

    @Option(names = "--warmup-epochs", defaultValue = "0", description = "Linear warm-up for step/cosine (default: ${DEFAULT-VALUE}).")
    double warmupEpochs;

    @Option(names = "--momentum", defaultValue = "" + TrainConfig.DEFAULT_MOMENTUM, description = "Nesterov momentum; 0 = plain SGD (default: ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "" + TrainConfig.DEFAULT_WEIGHT_DECAY, description = "L2 weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--seed", defaultValue = "" + Averaging.SEED, description = "Seed of initialisation and shuffles (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--keep-checkpoints", defaultValue = "" + TrainConfig.DEFAULT_KEEP_CHECKPOINTS, description = "Epoch checkpoints to keep (default: ${DEFAULT-VALUE}).")
    int keepCheckpoints;

    @Mixin
    RunFolderOptions runFolder;

    @Option(names = "--allow-changed-settings",
            description = "With --resume: continue although settings differ from the checkpoint's (e.g. a lower --lr); "
                    + "each change is printed and recorded in model.json. --model, --supervision and pruning cannot "
                    + "change.")
    boolean allowChangedSettings;

    @Option(names = "--stop-after-epoch", defaultValue = "0",
            description = "End this run after epoch N's checkpoint (continue later with --resume); 0 = run to the end.")
    int stopAfterEpoch;

    @Override
    public Integer call() throws Exception {
        TrainConfig.Builder settings = settings().validate(); // before Spark starts: a typo costs no start-up
        Require.atLeast("stopAfterEpoch", stopAfterEpoch, 0);
        try (SparkContexts.JobContext context = SparkContexts.open("synergy-train", averaging.workers)) {
            JavaSparkContext jsc = context.jsc();
            TrainConfig config = settings.build(jsc.hadoopConfiguration());
            TrainJob.Result result = new TrainJob(jsc, config,
                    new TrainJob.RunOptions(runFolder.out, runFolder.resume(), stopAfterEpoch,
                            allowChangedSettings), System.out).run();
            String out = runFolder.out;
            if (result.finished() && !result.metrics().isEmpty()) {
                var last = result.metrics().get(result.metrics().size() - 1);
                System.out.printf("test top-1 %.4f%s after %d epochs; model: %s/model.zip, report: %s/report.md, "
                                + "curves: %s/curves.png, metrics: %s/metrics.jsonl%n", last.testTop1(),
                        last.testTop5() == null ? "" : String.format(" (top-5 %.4f)", last.testTop5()),
                        last.epoch(), out, out, out, out);
                if (config.pruning().enabled()) {
                    System.out.printf("sparsity report: %s/sparsity.json%n", out);
                }
            }
        }
        return 0;
    }

    /** The run these options describe; the data set is resolved when it is built. */
    TrainConfig.Builder settings() {
        return TrainConfig.builder()
                .data(dataOptions.source())
                .model(model)
                .width(width)
                .supervision(Supervision.parse(supervision))
                .auxStages(auxStages)
                .synergyWeight(synergyWeight)
                .synergyTemperature(synergyTemperature)
                .adversarial(adversarialOptions.settings())
                .pruning(pruningOptions.config())
                .initModel(initModel)
                .epochs(epochs)
                .workers(averaging.workers)
                .batchSizePerWorker(averaging.batchSize)
                .averagingFrequency(averaging.averagingFrequency)
                .evalBatchSize(averaging.evalBatchSize)
                .learningRate(lr)
                .schedule(scheduleType())
                .milestones(milestones)
                .gamma(gamma)
                .warmupEpochs(warmupEpochs)
                .momentum(momentum)
                .weightDecay(weightDecay)
                .seed(seed)
                .keepCheckpoints(keepCheckpoints);
    }

    private LearningRateSchedule.Type scheduleType() {
        try {
            return LearningRateSchedule.Type.valueOf(schedule.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("--lr-schedule: unknown schedule '" + schedule
                    + "'; accepted: constant, step, cosine, onecycle");
        }
    }
}
