package ai.synergy.chain;

import ai.synergy.adversarial.Apgd;
import ai.synergy.adversarial.Pgd;
import ai.synergy.config.Require;
import ai.synergy.dataset.DataSource;
import ai.synergy.dataset.DataSpec;
import ai.synergy.dks.Supervision;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.pruning.PruningRatios;
import ai.synergy.training.AdversarialTraining;
import ai.synergy.training.Averaging;
import ai.synergy.training.PruningConfig;
import ai.synergy.training.QuantizationMethod;
import ai.synergy.training.QuantizeConfig;
import ai.synergy.training.TrainConfig;
import org.apache.hadoop.conf.Configuration;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * The resolved configuration of a {@code robust-compress} run (saved in its {@code stages.json}; a resumed run must
 * have the same): the settings of every stage's job, derived here so that the chain and its jobs agree.
 *
 * @param data               the data set every stage trains and is evaluated on
 * @param model              the network (CIFAR or ImageNet family name)
 * @param dksEpochs          stage (a): epochs of DKS training
 * @param learningRate       stage (a): peak learning rate (one-cycle)
 * @param admmEpochs         stage (b): epochs of PGD + ADMM training from the lean model
 * @param retrainEpochs      stage (b): epochs of PGD + masked retraining after hard pruning
 * @param pruneLearningRate  stage (b): learning rate, cosine-annealed over each pruning stage
 * @param ratio              stage (b): fraction of every conv and dense layer's weights pruned (irregular)
 * @param bits               stages (c), (d), ...: INQ bit-widths, one stage each, every one from stage (b)'s model
 * @param epochsPerRound     INQ: retraining epochs after each round
 * @param quantizeLearningRate INQ: retraining learning rate
 * @param adversarial        PGD of training (stage b) and, unless {@code naturalQuantize}, of INQ's retraining
 * @param naturalQuantize    INQ retrains on natural examples instead of PGD examples
 * @param evalPgdSteps       steps of the PGD evaluation after every stage (PGD-20), at the training attack's eps
 * @param evalStep           step size of the PGD evaluation
 * @param apgdBudget         iterations of the APGD-CE evaluation after every stage
 * @param workers            data-parallel workers of every job
 * @param batchSizePerWorker examples per minibatch on each worker
 * @param averagingFrequency minibatches between parameter averages
 * @param evalBatchSize      minibatch size for evaluation
 * @param seed               seed of every job and of the evaluation attacks' random starts
 */
public record ChainConfig(DataSpec data, String model, int dksEpochs, double learningRate, int admmEpochs,
                          int retrainEpochs, double pruneLearningRate, double ratio, List<Integer> bits,
                          int epochsPerRound, double quantizeLearningRate, AdversarialTraining adversarial,
                          boolean naturalQuantize, int evalPgdSteps, double evalStep, int apgdBudget, int workers,
                          int batchSizePerWorker, int averagingFrequency, int evalBatchSize, long seed) {

    /** Stage (a)'s DKS epochs. */
    public static final int DEFAULT_DKS_EPOCHS = 10;
    /** Stage (b)'s ADMM epochs. */
    public static final int DEFAULT_ADMM_EPOCHS = 5;
    /** Stage (b)'s masked retraining epochs. */
    public static final int DEFAULT_RETRAIN_EPOCHS = 5;
    /** Stage (b)'s learning rate: fine-tuning a trained model, so well below training's peak. */
    public static final double DEFAULT_PRUNE_LEARNING_RATE = 0.01;
    /** Stage (b)'s pruning ratio. */
    public static final double DEFAULT_RATIO = 0.8;
    /** INQ bit-widths: 5 (the INQ paper's lossless setting), then 4. */
    public static final List<Integer> DEFAULT_BITS = List.of(5, 4);
    /** INQ retraining epochs per round. */
    public static final int DEFAULT_EPOCHS_PER_ROUND = 1;
    /** PGD-20: the usual robust-accuracy yardstick. */
    public static final int DEFAULT_EVAL_PGD_STEPS = 20;
    /** APGD-CE's iterations: PGD-20's cost, so the two compare at one budget. */
    public static final int DEFAULT_APGD_BUDGET = 20;

    public ChainConfig {
        bits = List.copyOf(bits);
        check(dksEpochs, admmEpochs, retrainEpochs, ratio, bits, epochsPerRound, evalPgdSteps, apgdBudget);
        Require.that(adversarial.enabled(), "adversarial", "the chain trains with PGD (stage b): set an attack");
        Require.positive("evalStep", evalStep);
    }

    private static void check(int dksEpochs, int admmEpochs, int retrainEpochs, double ratio, List<Integer> bits,
                              int epochsPerRound, int evalPgdSteps, int apgdBudget) {
        Require.atLeast("dksEpochs", dksEpochs, 1);
        Require.atLeast("admmEpochs", admmEpochs, 0);
        Require.atLeast("retrainEpochs", retrainEpochs, 1);
        Require.that(ratio > 0 && ratio < 1, "ratio", "must be in (0, 1), got " + ratio);
        Require.that(!bits.isEmpty(), "bits", "must name at least one bit-width");
        for (int b : bits) {
            Require.inClosed("bits", b, 2, 8);
        }
        Require.that(new HashSet<>(bits).size() == bits.size(), "bits", "must not repeat a bit-width, got " + bits);
        Require.atLeast("epochsPerRound", epochsPerRound, 1);
        Require.atLeast("evalPgdSteps", evalPgdSteps, 1);
        Require.atLeast("apgdBudget", apgdBudget, 1);
    }

    /** A configuration with every setting at its default; set the data and what else differs. */
    public static Builder builder() {
        return new Builder();
    }

    /** The stages in order: dks, prune, then one INQ stage per bit-width. */
    public List<ChainStage> stages() {
        List<ChainStage> stages = new ArrayList<>();
        stages.add(ChainStage.dks());
        stages.add(ChainStage.prune());
        for (int b : bits) {
            stages.add(ChainStage.inq(b, stages.size()));
        }
        return stages;
    }

    /** Stage (a): DKS training of the plain network (its model.zip is the lean export). */
    public TrainConfig dksConfig() {
        return averaged(TrainConfig.builder()).model(model).supervision(Supervision.DKS).epochs(dksEpochs)
                .learningRate(learningRate).keepCheckpoints(1).build();
    }

    /** Stage (b): PGD training with ADMM pruning and masked retraining, from {@code leanModel}. */
    public TrainConfig pruneConfig(String leanModel) {
        PruningConfig pruning = PruningConfig.admm(PruningRatios.uniform(ratio))
                .withEpochs(admmEpochs, Math.max(1, Math.min(PruningConfig.DEFAULT_ADMM_INTERVAL, admmEpochs)),
                        retrainEpochs);
        return averaged(TrainConfig.builder()).model(model).adversarial(adversarial).pruning(pruning).epochs(0)
                .initModel(leanModel).learningRate(pruneLearningRate).schedule(LearningRateSchedule.Type.COSINE)
                .keepCheckpoints(1).build();
    }

    /** An INQ stage: {@code bits} from {@code prunedModel}, its zeros kept. */
    public QuantizeConfig inqConfig(int bits, String prunedModel) {
        return QuantizeConfig.builder().data(data).model(prunedModel).method(QuantizationMethod.INQ).bits(bits)
                .epochsPerRound(epochsPerRound).learningRate(quantizeLearningRate)
                .adversarial(naturalQuantize ? AdversarialTraining.none() : adversarial).workers(workers)
                .batchSizePerWorker(batchSizePerWorker).averagingFrequency(averagingFrequency)
                .evalBatchSize(evalBatchSize).seed(seed).build();
    }

    /** The PGD evaluation after every stage (PGD-20 by default): the training attack's radius and step. */
    public Pgd evalPgd() {
        return new Pgd(adversarial.attack().eps(), evalStep, evalPgdSteps, true);
    }

    /** The APGD-CE evaluation after every stage. */
    public Apgd evalApgd() {
        return new Apgd(adversarial.attack().eps(), apgdBudget, Apgd.Loss.CE, Apgd.DEFAULT_RESTARTS);
    }

    private TrainConfig.Builder averaged(TrainConfig.Builder builder) {
        return builder.data(data).workers(workers).batchSizePerWorker(batchSizePerWorker)
                .averagingFrequency(averagingFrequency).evalBatchSize(evalBatchSize).seed(seed);
    }

    /** Named steps towards a {@link ChainConfig}, every setting starting at its default. */
    public static final class Builder {
        private DataSource source = DataSource.fashionMnist();
        private DataSpec resolved;
        private String model = TrainConfig.DEFAULT_MODEL;
        private int dksEpochs = DEFAULT_DKS_EPOCHS;
        private double learningRate = TrainConfig.DEFAULT_LEARNING_RATE;
        private int admmEpochs = DEFAULT_ADMM_EPOCHS;
        private int retrainEpochs = DEFAULT_RETRAIN_EPOCHS;
        private double pruneLearningRate = DEFAULT_PRUNE_LEARNING_RATE;
        private double ratio = DEFAULT_RATIO;
        private List<Integer> bits = DEFAULT_BITS;
        private int epochsPerRound = DEFAULT_EPOCHS_PER_ROUND;
        private double quantizeLearningRate = QuantizeConfig.DEFAULT_LEARNING_RATE;
        private AdversarialTraining adversarial = new AdversarialTraining(
                new Pgd(Pgd.DEFAULT_EPS, Pgd.DEFAULT_STEP_SIZE, Pgd.DEFAULT_STEPS, true), AdversarialTraining.DEFAULT_RATIO);
        private boolean naturalQuantize;
        private int evalPgdSteps = DEFAULT_EVAL_PGD_STEPS;
        private double evalStep = Pgd.DEFAULT_STEP_SIZE;
        private int apgdBudget = DEFAULT_APGD_BUDGET;
        private int workers = Averaging.WORKERS;
        private int batchSizePerWorker = Averaging.BATCH_SIZE_PER_WORKER;
        private int averagingFrequency = Averaging.AVERAGING_FREQUENCY;
        private int evalBatchSize = Averaging.EVAL_BATCH_SIZE;
        private long seed = Averaging.SEED;

        private Builder() {
        }

        /** The data set, resolved when the configuration is built. */
        public Builder data(DataSource value) {
            source = value;
            resolved = null;
            return this;
        }

        /** An already resolved data set. */
        public Builder data(DataSpec value) {
            resolved = value;
            return this;
        }

        /** The network by name. */
        public Builder model(String value) {
            model = value;
            return this;
        }

        /** Stage (a)'s epochs. */
        public Builder dksEpochs(int value) {
            dksEpochs = value;
            return this;
        }

        /** Stage (a)'s peak learning rate. */
        public Builder learningRate(double value) {
            learningRate = value;
            return this;
        }

        /** Stage (b)'s ADMM epochs. */
        public Builder admmEpochs(int value) {
            admmEpochs = value;
            return this;
        }

        /** Stage (b)'s masked retraining epochs. */
        public Builder retrainEpochs(int value) {
            retrainEpochs = value;
            return this;
        }

        /** Stage (b)'s learning rate. */
        public Builder pruneLearningRate(double value) {
            pruneLearningRate = value;
            return this;
        }

        /** Stage (b)'s pruning ratio. */
        public Builder ratio(double value) {
            ratio = value;
            return this;
        }

        /** INQ bit-widths, one stage each. */
        public Builder bits(List<Integer> values) {
            bits = values == null || values.isEmpty() ? DEFAULT_BITS : List.copyOf(values);
            return this;
        }

        /** INQ retraining epochs per round. */
        public Builder epochsPerRound(int value) {
            epochsPerRound = value;
            return this;
        }

        /** INQ retraining learning rate. */
        public Builder quantizeLearningRate(double value) {
            quantizeLearningRate = value;
            return this;
        }

        /** PGD of stage (b) and of INQ's retraining; its eps and step are the evaluations' too. */
        public Builder adversarial(AdversarialTraining value) {
            adversarial = value;
            return this;
        }

        /** INQ retrains on natural examples. */
        public Builder naturalQuantize(boolean value) {
            naturalQuantize = value;
            return this;
        }

        /** Steps of the PGD evaluation. */
        public Builder evalPgdSteps(int value) {
            evalPgdSteps = value;
            return this;
        }

        /** Step size of the PGD evaluation. */
        public Builder evalStep(double value) {
            evalStep = value;
            return this;
        }

        /** APGD-CE iterations of the evaluation. */
        public Builder apgdBudget(int value) {
            apgdBudget = value;
            return this;
        }

        /** Data-parallel workers. */
        public Builder workers(int value) {
            workers = value;
            return this;
        }

        /** Examples per minibatch on each worker. */
        public Builder batchSizePerWorker(int value) {
            batchSizePerWorker = value;
            return this;
        }

        /** Minibatches between parameter averages. */
        public Builder averagingFrequency(int value) {
            averagingFrequency = value;
            return this;
        }

        /** Evaluation minibatch size. */
        public Builder evalBatchSize(int value) {
            evalBatchSize = value;
            return this;
        }

        /** Seed of every job and attack. */
        public Builder seed(long value) {
            seed = value;
            return this;
        }

        /**
         * Checks every setting without reading anything (the command line calls it before Spark starts), including
         * what each stage's job checks.
         */
        public Builder validate() {
            Require.positive("pruneLearningRate", pruneLearningRate);
            Require.positive("quantizeLearningRate", quantizeLearningRate);
            check(dksEpochs, admmEpochs, retrainEpochs, ratio, bits, epochsPerRound, evalPgdSteps, apgdBudget);
            Require.that(adversarial != null && adversarial.enabled(), "adversarial",
                    "the chain trains with PGD (stage b): set an attack");
            Require.positive("evalStep", evalStep);
            TrainConfig.builder().model(model).supervision(Supervision.DKS).epochs(dksEpochs)
                    .learningRate(learningRate).workers(workers).batchSizePerWorker(batchSizePerWorker)
                    .averagingFrequency(averagingFrequency).evalBatchSize(evalBatchSize).validate();
            TrainConfig.builder().model(model).learningRate(pruneLearningRate).validate();
            QuantizeConfig.builder().model("stage (b)'s model.zip").learningRate(quantizeLearningRate).validate();
            return this;
        }

        /** The configuration; an {@code imagenet:} data set's manifest is read through {@code hadoopConf}. */
        public ChainConfig build(Configuration hadoopConf) {
            validate();
            DataSpec data = resolved != null ? resolved : source.resolve(hadoopConf);
            return new ChainConfig(data, model, dksEpochs, learningRate, admmEpochs, retrainEpochs, pruneLearningRate,
                    ratio, bits, epochsPerRound, quantizeLearningRate, adversarial, naturalQuantize, evalPgdSteps,
                    evalStep, apgdBudget, workers, batchSizePerWorker, averagingFrequency, evalBatchSize, seed);
        }

        /** The configuration of a data set that needs no file system to resolve. */
        public ChainConfig build() {
            return build(new Configuration());
        }
    }
}
