package ai.synergy.watch;

/**
 * The driver's training gauges, by their metric name (under the plugin's source in Spark's metrics system). A gauge
 * is NaN until the run first sets it.
 */
public enum Gauge {
    /** Epochs finished ({@code train}). */
    EPOCH("epoch"),
    /** Averaging rounds finished over the whole run (also across {@code --resume}). */
    ROUND("round"),
    /** Training images per second since this driver started the run (all workers). */
    IMAGES_PER_SECOND("images_per_second"),
    /** Mean loss of the last averaging round. */
    TRAIN_LOSS("train_loss"),
    /** Learning rate of the last averaging round. */
    LEARNING_RATE("learning_rate"),
    /** Test top-1 after the last epoch or quantization round. */
    TEST_TOP1("test_top1"),
    /** Test top-5 after the last epoch or quantization round (NaN with 5 classes or fewer). */
    TEST_TOP5("test_top5"),
    /** Pruning stage of the last epoch: 0 dense, 1 ADMM, 2 masked retraining. */
    PRUNING_STAGE("pruning_stage"),
    /** ADMM stage: ||W - Z|| / ||W|| after the last epoch. */
    ADMM_RESIDUAL("admm_residual"),
    /** Fraction of the prunable weights exactly 0 after the last epoch. */
    SPARSITY("sparsity"),
    /** Quantization rounds finished ({@code quantize}). */
    QUANTIZATION_ROUND("quantization_round"),
    /** Fraction of the quantized layers' weights frozen at codebook values. */
    QUANTIZED_FRACTION("quantized_fraction"),
    /** Share of the last epoch's training time the workers spent computing minibatches. */
    COMPUTE_SHARE("compute_share"),
    /** Share spent waiting for data (reading, decoding). */
    DATA_SHARE("data_share"),
    /** Share spent on parameter averaging and broadcast. */
    AVERAGING_SHARE("averaging_share"),
    /** Share spent on scheduling, serialization and waiting for the slowest worker. */
    SCHEDULING_SHARE("scheduling_share");

    private final String metricName;

    Gauge(String metricName) {
        this.metricName = metricName;
    }

    /** The gauge's name in the metrics system. */
    public String metricName() {
        return metricName;
    }
}
