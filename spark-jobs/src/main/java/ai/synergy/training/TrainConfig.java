package ai.synergy.training;

import ai.synergy.config.Require;
import ai.synergy.dataset.DataSpec;
import ai.synergy.dks.Supervision;
import ai.synergy.dks.SupervisionConfig;
import ai.synergy.model.AuxiliaryHeads;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import org.apache.hadoop.conf.Configuration;

import java.util.List;
import java.util.Locale;

/**
 * The resolved configuration of a {@code train} run; saved beside every checkpoint and model (provenance). Built with
 * {@link #builder()}, which holds every default; the record checks every setting, naming it.
 *
 * @param data               the data set
 * @param model              the network (the inference architecture; what {@code model.zip} holds)
 * @param supervision        how its heads are trained: plain, deep supervision or DKS
 * @param adversarial        adversarial training (PGD on the executors), or natural training
 * @param pruning            weight pruning stages (ADMM, then hard pruning and masked retraining) after the dense
 *                           epochs, or none
 * @param optimizer          SGD settings
 * @param schedule           learning rate over the run, evaluated on the driver before each averaging round
 * @param epochs             passes over the training data before any pruning stage (the dense stage; may be 0
 *                           when pruning a given {@code initModel})
 * @param workers            data-parallel workers (= shards = Spark partitions)
 * @param batchSizePerWorker examples per minibatch on each worker (the global batch is workers x this)
 * @param averagingFrequency minibatches each worker fits between parameter averages. Too low costs network traffic
 *                           and scheduling per step; too high lets the workers drift apart and hurts accuracy. 5 is
 *                           dl4j-spark's default and measured level with one JVM here.
 * @param evalBatchSize      minibatch size for evaluation
 * @param seed               seed of weight initialisation and of every shuffle
 * @param keepCheckpoints    how many epoch checkpoints to keep (older ones are deleted)
 * @param initModel          URI of a {@code model.zip} whose parameters the run starts from (same architecture),
 *                           e.g. a dense model to prune; null to start from the seed's initialisation
 */
public record TrainConfig(DataSpec data, ModelSpec model, SupervisionConfig supervision,
                          AdversarialTraining adversarial, PruningConfig pruning, OptimizerSpec optimizer,
                          LearningRateSchedule schedule, int epochs, int workers, int batchSizePerWorker,
                          int averagingFrequency, int evalBatchSize, long seed, int keepCheckpoints, String initModel) {

    /** Passes over the training data. */
    public static final int DEFAULT_EPOCHS = 10;
    /** The network. */
    public static final String DEFAULT_MODEL = "resnet8";
    /** CIFAR-family width multiplier. */
    public static final double DEFAULT_WIDTH = 1;
    /** How the heads are trained. */
    public static final String DEFAULT_SUPERVISION = "none";
    /** Peak learning rate. */
    public static final double DEFAULT_LEARNING_RATE = 0.2;
    /** Learning-rate schedule. */
    public static final String DEFAULT_SCHEDULE = "onecycle";
    /** Step schedule factor. */
    public static final double DEFAULT_GAMMA = 0.1;
    /** Nesterov momentum. */
    public static final double DEFAULT_MOMENTUM = 0.9;
    /** L2 weight decay. */
    public static final double DEFAULT_WEIGHT_DECAY = 1e-4;
    /** Epoch checkpoints kept. */
    public static final int DEFAULT_KEEP_CHECKPOINTS = 2;

    public TrainConfig {
        if (pruning == null) {
            pruning = PruningConfig.none();
        }
        checkCounts(epochs, pruning, workers, batchSizePerWorker, averagingFrequency, evalBatchSize, keepCheckpoints);
        Require.that(!pruning.enabled() || supervision.headCount() == 1, "pruning", "cannot be combined with "
                + "supervision " + supervision.mode().name().toLowerCase(Locale.ROOT) + " yet: the auxiliary heads "
                + "would be pruned too; prune the exported model instead (initModel)");
    }

    private static void checkCounts(int epochs, PruningConfig pruning, int workers, int batchSizePerWorker,
                                    int averagingFrequency, int evalBatchSize, int keepCheckpoints) {
        // pruning a given model may skip the dense stage
        Require.atLeast("epochs", epochs, pruning.enabled() ? 0 : 1);
        Averaging.check(workers, batchSizePerWorker, averagingFrequency, evalBatchSize);
        Require.atLeast("keepCheckpoints", keepCheckpoints, 1);
    }

    /** A configuration with every setting at its default; set the data and what else differs. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's settings, to derive a changed one. */
    public Builder toBuilder() {
        return builder().data(data).model(model.architecture()).width(model.widthMultiplier())
                .supervision(supervision.mode()).auxStages(supervision.heads().stages())
                .synergyWeight(supervision.synergyWeight()).synergyTemperature(supervision.temperature())
                .adversarial(adversarial).pruning(pruning)
                .learningRate(optimizer.learningRate()).momentum(optimizer.momentum())
                .weightDecay(optimizer.weightDecay()).schedule(schedule.type()).milestones(schedule.milestones())
                .gamma(schedule.gamma()).warmupEpochs(schedule.warmupEpochs())
                .epochs(epochs).workers(workers).batchSizePerWorker(batchSizePerWorker)
                .averagingFrequency(averagingFrequency).evalBatchSize(evalBatchSize).seed(seed)
                .keepCheckpoints(keepCheckpoints).initModel(initModel);
    }

    /** Every epoch of the run: dense, then ADMM, then masked retraining. */
    public int totalEpochs() {
        return epochs + pruning.admmEpochs() + pruning.retrainEpochs();
    }

    /** The stage of a 0-based epoch of the run. */
    public TrainingStage stageOf(int epoch) {
        if (epoch < epochs) {
            return TrainingStage.DENSE;
        }
        return epoch < epochs + pruning.admmEpochs() ? TrainingStage.ADMM : TrainingStage.RETRAIN;
    }

    /** The first 0-based epoch of a stage. */
    public int stageStart(TrainingStage stage) {
        return switch (stage) {
            case DENSE -> 0;
            case ADMM -> epochs;
            case RETRAIN -> epochs + pruning.admmEpochs();
        };
    }

    /** Epochs in a stage. */
    public int stageLength(TrainingStage stage) {
        return switch (stage) {
            case DENSE -> epochs;
            case ADMM -> pruning.admmEpochs();
            case RETRAIN -> pruning.retrainEpochs();
        };
    }

    /**
     * Named steps towards a {@link TrainConfig}, every setting starting at its default: the one way the command line,
     * notebooks, benchmarks and tests describe a training run.
     */
    public static final class Builder extends AveragedRunBuilder<Builder> {
        private ModelArchitecture architecture = ModelArchitecture.parse(DEFAULT_MODEL);
        private double width = DEFAULT_WIDTH;
        private Supervision supervision = Supervision.parse(DEFAULT_SUPERVISION);
        private List<Integer> auxStages = List.of();
        private double synergyWeight = SupervisionConfig.DEFAULT_SYNERGY_WEIGHT;
        private double synergyTemperature = SupervisionConfig.DEFAULT_TEMPERATURE;
        private AdversarialTraining adversarial = AdversarialTraining.none();
        private PruningConfig pruning = PruningConfig.none();
        private double learningRate = DEFAULT_LEARNING_RATE;
        private LearningRateSchedule.Type schedule = LearningRateSchedule.Type.valueOf(
                DEFAULT_SCHEDULE.toUpperCase(Locale.ROOT));
        private List<Double> milestones = List.of();
        private double gamma = DEFAULT_GAMMA;
        private double warmupEpochs;
        private double momentum = DEFAULT_MOMENTUM;
        private double weightDecay = DEFAULT_WEIGHT_DECAY;
        private int epochs = DEFAULT_EPOCHS;
        private int keepCheckpoints = DEFAULT_KEEP_CHECKPOINTS;
        private String initModel;

        private Builder() {
        }

        @Override
        Builder self() {
            return this;
        }

        /** The network, e.g. resnet20 or resnet18. */
        public Builder model(ModelArchitecture value) {
            architecture = value;
            return this;
        }

        /** The network by name (resnet8|14|20|32|56|110, resnet18|34|50|101|152). */
        public Builder model(String name) {
            return model(ModelArchitecture.parse(name));
        }

        /** CIFAR-family width multiplier. */
        public Builder width(double value) {
            width = value;
            return this;
        }

        /** Plain, deep supervision or DKS; the heads at the architecture's default stages. */
        public Builder supervision(Supervision value) {
            supervision = value;
            return this;
        }

        /** Stages whose outputs get an auxiliary head; empty = the DKS paper's for the architecture. */
        public Builder auxStages(List<Integer> stages) {
            auxStages = stages == null ? List.of() : List.copyOf(stages);
            return this;
        }

        /** DKS: weight of the synergy term. */
        public Builder synergyWeight(double value) {
            synergyWeight = value;
            return this;
        }

        /** DKS: softmax temperature of the synergy term. */
        public Builder synergyTemperature(double value) {
            synergyTemperature = value;
            return this;
        }

        /** Adversarial training (default: natural). */
        public Builder adversarial(AdversarialTraining value) {
            adversarial = value;
            return this;
        }

        /** Pruning stages after the dense epochs (default: none). */
        public Builder pruning(PruningConfig value) {
            pruning = value;
            return this;
        }

        /** Peak (or initial) learning rate. */
        public Builder learningRate(double value) {
            learningRate = value;
            return this;
        }

        /** The schedule's shape. */
        public Builder schedule(LearningRateSchedule.Type value) {
            schedule = value;
            return this;
        }

        /** Step schedule: epochs at which the rate is multiplied by {@code gamma}. */
        public Builder milestones(List<Double> epochs) {
            milestones = epochs == null ? List.of() : List.copyOf(epochs);
            return this;
        }

        /** Step schedule factor. */
        public Builder gamma(double value) {
            gamma = value;
            return this;
        }

        /** Linear warm-up of step and cosine schedules. */
        public Builder warmupEpochs(double value) {
            warmupEpochs = value;
            return this;
        }

        /** Nesterov momentum; 0 = plain SGD. */
        public Builder momentum(double value) {
            momentum = value;
            return this;
        }

        /** L2 weight decay. */
        public Builder weightDecay(double value) {
            weightDecay = value;
            return this;
        }

        /** Passes over the training data (with pruning: the dense epochs before ADMM). */
        public Builder epochs(int value) {
            epochs = value;
            return this;
        }

        /** Epoch checkpoints kept. */
        public Builder keepCheckpoints(int value) {
            keepCheckpoints = value;
            return this;
        }

        /** URI of a model.zip whose parameters the run starts from; null for the seed's initialisation. */
        public Builder initModel(String uri) {
            initModel = uri;
            return this;
        }

        /**
         * Checks every setting that does not depend on the data set, without reading anything (the command line calls
         * it before Spark starts).
         */
        public Builder validate() {
            optimizer();
            lrSchedule();
            supervisionConfig();
            checkCounts(epochs, pruning, workers, batchSizePerWorker, averagingFrequency, evalBatchSize,
                    keepCheckpoints);
            return this;
        }

        /** The configuration; an {@code imagenet:} data set's manifest is read through {@code hadoopConf}. */
        public TrainConfig build(Configuration hadoopConf) {
            validate();
            DataSpec data = resolveData(hadoopConf);
            ModelSpec spec = new ModelSpec(architecture, width, data.channels(), data.height(), data.width(),
                    data.numClasses(), data.mean(), data.std(), seed);
            return new TrainConfig(data, spec, supervisionConfig(), adversarial, pruning, optimizer(), lrSchedule(),
                    epochs, workers, batchSizePerWorker, averagingFrequency, evalBatchSize, seed, keepCheckpoints,
                    initModel);
        }

        /** The configuration of a data set that needs no file system to resolve (IDX, or one set as a spec). */
        public TrainConfig build() {
            return build(new Configuration());
        }

        private OptimizerSpec optimizer() {
            return new OptimizerSpec(learningRate, momentum, weightDecay);
        }

        private LearningRateSchedule lrSchedule() {
            return new LearningRateSchedule(schedule, learningRate, milestones, gamma, warmupEpochs);
        }

        private SupervisionConfig supervisionConfig() {
            AuxiliaryHeads heads = auxStages.isEmpty() ? AuxiliaryHeads.paperDefault(architecture)
                    : new AuxiliaryHeads(auxStages);
            if (supervision != Supervision.NONE) {
                heads.requireStagesOf(architecture);
            }
            return new SupervisionConfig(supervision, heads, synergyWeight, synergyTemperature);
        }
    }
}
