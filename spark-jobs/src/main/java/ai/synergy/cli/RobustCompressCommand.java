package ai.synergy.cli;

import ai.synergy.adversarial.Pgd;
import ai.synergy.chain.ChainConfig;
import ai.synergy.chain.RobustCompressJob;
import ai.synergy.config.Require;
import ai.synergy.spark.SparkContexts;
import ai.synergy.training.Averaging;
import ai.synergy.training.QuantizeConfig;
import ai.synergy.training.TrainConfig;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code synergy robust-compress}: options -> {@link ChainConfig.Builder} -> {@link RobustCompressJob}. */
@Command(name = "robust-compress", mixinStandardHelpOptions = true,
        description = "One resumable run of the robust-and-small chain: (a) DKS training, lean export; (b) PGD "
                + "training with ADMM pruning from it; (c), (d), ...: INQ at each of --bits from (b), zeros kept, PGD "
                + "retraining; natural, PGD-20 and APGD-CE accuracy after every stage in <out>/report.md.")
final class RobustCompressCommand implements Callable<Integer> {
    @Mixin
    DataOptions dataOptions;

    @Option(names = "--model", defaultValue = TrainConfig.DEFAULT_MODEL,
            description = "The network, e.g. resnet8 or resnet20 (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--dks-epochs", defaultValue = "" + ChainConfig.DEFAULT_DKS_EPOCHS,
            description = "Stage (a): epochs of DKS training (default: ${DEFAULT-VALUE}).")
    int dksEpochs;

    @Option(names = "--lr", defaultValue = "" + TrainConfig.DEFAULT_LEARNING_RATE,
            description = "Stage (a): peak learning rate, one-cycle (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--admm-epochs", defaultValue = "" + ChainConfig.DEFAULT_ADMM_EPOCHS,
            description = "Stage (b): epochs of PGD + ADMM training (default: ${DEFAULT-VALUE}).")
    int admmEpochs;

    @Option(names = "--retrain-epochs", defaultValue = "" + ChainConfig.DEFAULT_RETRAIN_EPOCHS,
            description = "Stage (b): epochs of PGD + masked retraining after hard pruning (default: ${DEFAULT-VALUE}).")
    int retrainEpochs;

    @Option(names = "--prune-lr", defaultValue = "" + ChainConfig.DEFAULT_PRUNE_LEARNING_RATE,
            description = "Stage (b): learning rate, cosine over each pruning stage (default: ${DEFAULT-VALUE}).")
    double pruneLr;

    @Option(names = "--ratio", defaultValue = "" + ChainConfig.DEFAULT_RATIO,
            description = "Stage (b): fraction of every conv and dense layer's weights pruned (default: ${DEFAULT-VALUE}).")
    double ratio;

    @Option(names = "--bits", split = ",", defaultValue = "5,4",
            description = "INQ bit-widths, one stage each, all from stage (b)'s model (default: ${DEFAULT-VALUE}).")
    List<Integer> bits;

    @Option(names = "--epochs-per-round", defaultValue = "" + ChainConfig.DEFAULT_EPOCHS_PER_ROUND,
            description = "INQ: retraining epochs after each round (default: ${DEFAULT-VALUE}).")
    int epochsPerRound;

    @Option(names = "--quantize-lr", defaultValue = "" + QuantizeConfig.DEFAULT_LEARNING_RATE,
            description = "INQ: retraining learning rate (default: ${DEFAULT-VALUE}).")
    double quantizeLr;

    @Mixin
    AdversarialExampleOptions adversarialExamples;

    @Option(names = "--natural-quantize", description = "INQ retrains on natural examples instead of PGD examples.")
    boolean naturalQuantize;

    @Option(names = "--eval-pgd-steps", defaultValue = "" + ChainConfig.DEFAULT_EVAL_PGD_STEPS,
            description = "Steps of the PGD evaluation after every stage, at --eps (default: ${DEFAULT-VALUE}).")
    int evalPgdSteps;

    @Option(names = "--eval-step", defaultValue = "" + Pgd.DEFAULT_STEP_SIZE,
            description = "Step size of the PGD evaluation (default: ${DEFAULT-VALUE}).")
    double evalStep;

    @Option(names = "--apgd-budget", defaultValue = "" + ChainConfig.DEFAULT_APGD_BUDGET,
            description = "Iterations of the APGD-CE evaluation after every stage (default: ${DEFAULT-VALUE}).")
    int apgdBudget;

    @Mixin
    AveragingOptions averaging;

    @Option(names = "--seed", defaultValue = "" + Averaging.SEED,
            description = "Seed of every stage and of the evaluation attacks (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    RunFolderOptions runFolder;

    @Option(names = "--stop-after-stage", defaultValue = "0",
            description = "End after N stages are done and evaluated (continue with --resume); 0 = run to the end.")
    int stopAfterStage;

    @Override
    public Integer call() throws Exception {
        ChainConfig.Builder settings = settings().validate(); // before Spark starts
        Require.atLeast("stopAfterStage", stopAfterStage, 0);
        try (SparkContexts.JobContext context = SparkContexts.open("synergy-robust-compress", averaging.workers)) {
            JavaSparkContext jsc = context.jsc();
            ChainConfig config = settings.build(jsc.hadoopConfiguration());
            new RobustCompressJob(jsc, config, new RobustCompressJob.RunOptions(runFolder.out, runFolder.resume(),
                    stopAfterStage), System.out).run();
        }
        return 0;
    }

    /** The chain these options describe; the data set is resolved when it is built. */
    ChainConfig.Builder settings() {
        return ChainConfig.builder()
                .data(dataOptions.source())
                .model(model)
                .dksEpochs(dksEpochs)
                .learningRate(lr)
                .admmEpochs(admmEpochs)
                .retrainEpochs(retrainEpochs)
                .pruneLearningRate(pruneLr)
                .ratio(ratio)
                .bits(bits)
                .epochsPerRound(epochsPerRound)
                .quantizeLearningRate(quantizeLr)
                .adversarial(adversarialExamples.settings("pgd"))
                .naturalQuantize(naturalQuantize)
                .evalPgdSteps(evalPgdSteps)
                .evalStep(evalStep)
                .apgdBudget(apgdBudget)
                .workers(averaging.workers)
                .batchSizePerWorker(averaging.batchSize)
                .averagingFrequency(averaging.averagingFrequency)
                .evalBatchSize(averaging.evalBatchSize)
                .seed(seed);
    }
}
