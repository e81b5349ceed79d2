package ai.synergy.training;

import ai.synergy.config.Require;
import ai.synergy.dataset.DataSpec;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.quantization.PortionSchedule;
import org.apache.hadoop.conf.Configuration;

import java.util.List;

/**
 * The resolved configuration of a {@code quantize} run; saved beside every round's checkpoint (provenance).
 *
 * @param data               the data the free weights retrain on and the model is evaluated on
 * @param model              URI of the trained {@code model.zip} to quantize (a {@code train} export or checkpoint)
 * @param method             inq, slq or mlq
 * @param bits               bit-width b: INQ codebook of 2^(b-1) + 1 values, SLQ's 2^(b-1) + 1 clusters; MLQ is
 *                           ternary whatever b
 * @param portions           accumulated portion frozen after each round: of the weights (INQ), of the clusters
 *                           (SLQ); MLQ uses {@code mlqStages} layer stages instead
 * @param randomPartition    INQ: choose the weights of a round at random (the paper's ablation) instead of by
 *                           magnitude
 * @param mlqStages          MLQ: the quantized layers split in network order into this many stages
 * @param epochsPerRound     retraining epochs after each round's partition (the round that freezes everything
 *                           retrains nothing); the optimizer restarts every round
 * @param schedule           learning rate over each round's epochs (momentum and weight decay are the model's own,
 *                           from its training configuration)
 * @param workers            data-parallel workers
 * @param batchSizePerWorker examples per minibatch on each worker
 * @param averagingFrequency minibatches each worker fits between parameter averages
 * @param evalBatchSize      minibatch size for evaluation
 * @param seed               seed of shuffles and of the random partition
 * @param skipLayers         layers kept in float (default none: INQ quantizes every conv and dense layer, first and
 *                           last included; the SLQ paper's code keeps the final FC float: pass {@code output})
 * @param adversarial        adversarial retraining (PGD examples on the executors, as {@code train --adversarial}),
 *                           or natural retraining; absent in runs from before the setting = natural
 */
public record QuantizeConfig(DataSpec data, String model, QuantizationMethod method, int bits,
                             PortionSchedule portions, boolean randomPartition, int mlqStages, int epochsPerRound,
                             LearningRateSchedule schedule, int workers,
                             int batchSizePerWorker, int averagingFrequency, int evalBatchSize, long seed,
                             List<String> skipLayers, AdversarialTraining adversarial) {

    /** The method. */
    public static final String DEFAULT_METHOD = "inq";
    /** Bit-width. */
    public static final int DEFAULT_BITS = 5;
    /** MLQ's layer stages. */
    public static final int DEFAULT_MLQ_STAGES = 4;
    /** Retraining epochs after each round's partition. */
    public static final int DEFAULT_EPOCHS_PER_ROUND = 2;
    /** Retraining learning rate, cosine-annealed over each round. */
    public static final double DEFAULT_LEARNING_RATE = 0.01;

    public QuantizeConfig {
        Require.inClosed("bits", bits, 2, 8);
        Require.atLeast("epochsPerRound", epochsPerRound, 0);
        Require.atLeast("mlqStages", mlqStages, 1);
        Require.that(!randomPartition || method == QuantizationMethod.INQ, "randomPartition",
                "applies to method inq only");
        Averaging.check(workers, batchSizePerWorker, averagingFrequency, evalBatchSize);
        skipLayers = List.copyOf(skipLayers);
        if (adversarial == null) {
            adversarial = AdversarialTraining.none();
        }
    }

    /** A configuration with every setting at its default; set the model, the data and what else differs. */
    public static Builder builder() {
        return new Builder();
    }

    /** Quantization rounds of the run. */
    public int rounds() {
        return method == QuantizationMethod.MLQ ? mlqStages : portions.rounds();
    }

    /** Named steps towards a {@link QuantizeConfig}, every setting starting at its default. */
    public static final class Builder extends AveragedRunBuilder<Builder> {
        private String model;
        private QuantizationMethod method = QuantizationMethod.parse(DEFAULT_METHOD);
        private int bits = DEFAULT_BITS;
        private List<Double> portions = List.of();
        private boolean randomPartition;
        private int mlqStages = DEFAULT_MLQ_STAGES;
        private int epochsPerRound = DEFAULT_EPOCHS_PER_ROUND;
        private double learningRate = DEFAULT_LEARNING_RATE;
        private List<String> skipLayers = List.of();
        private AdversarialTraining adversarial = AdversarialTraining.none();

        private Builder() {
        }

        @Override
        Builder self() {
            return this;
        }

        /** URI of the trained model.zip (a train export or checkpoint). */
        public Builder model(String uri) {
            model = uri;
            return this;
        }

        /** INQ, SLQ or MLQ. */
        public Builder method(QuantizationMethod value) {
            method = value;
            return this;
        }

        /** Bit-width. */
        public Builder bits(int value) {
            bits = value;
            return this;
        }

        /** Accumulated portions after each round; empty = the paper's schedule for the bit-width. */
        public Builder portions(List<Double> values) {
            portions = values == null ? List.of() : List.copyOf(values);
            return this;
        }

        /** INQ: partition at random (the paper's ablation) instead of by magnitude. */
        public Builder randomPartition(boolean value) {
            randomPartition = value;
            return this;
        }

        /** MLQ: layer stages. */
        public Builder mlqStages(int value) {
            mlqStages = value;
            return this;
        }

        /** Retraining epochs after each round's partition. */
        public Builder epochsPerRound(int value) {
            epochsPerRound = value;
            return this;
        }

        /** Retraining learning rate (cosine-annealed over each round). */
        public Builder learningRate(double value) {
            learningRate = value;
            return this;
        }

        /** Layers kept in float, e.g. output. */
        public Builder skipLayers(List<String> layers) {
            skipLayers = layers == null ? List.of() : List.copyOf(layers);
            return this;
        }

        /** Adversarial retraining after every round's partition (default: natural). */
        public Builder adversarial(AdversarialTraining value) {
            adversarial = value == null ? AdversarialTraining.none() : value;
            return this;
        }

        /** The model URI as set (null until set). */
        public String model() {
            return model;
        }

        /** Checks every setting that does not depend on the data set or the model's contents. */
        public Builder validate() {
            Require.that(model != null && !model.isBlank(), "model", "must be set (the trained model.zip)");
            portionSchedule();
            schedule();
            checkAveraging();
            return this;
        }

        /** The configuration; an {@code imagenet:} data set's manifest is read through {@code hadoopConf}. */
        public QuantizeConfig build(Configuration hadoopConf) {
            validate();
            DataSpec data = resolveData(hadoopConf);
            return new QuantizeConfig(data, model, method, bits, portionSchedule(), randomPartition, mlqStages,
                    epochsPerRound, schedule(), workers, batchSizePerWorker, averagingFrequency, evalBatchSize, seed,
                    skipLayers, adversarial);
        }

        /** The configuration of a data set that needs no file system to resolve. */
        public QuantizeConfig build() {
            return build(new Configuration());
        }

        private PortionSchedule portionSchedule() {
            if (!portions.isEmpty()) {
                return new PortionSchedule(portions);
            }
            Require.inClosed("bits", bits, 2, 8);
            return PortionSchedule.defaultFor(bits);
        }

        private LearningRateSchedule schedule() {
            // gamma is unused by a cosine schedule; 0.1 as in earlier versions, so that their checkpoints resume
            return new LearningRateSchedule(LearningRateSchedule.Type.COSINE, learningRate, List.of(), 0.1, 0);
        }
    }
}
