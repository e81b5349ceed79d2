package ai.synergy.training;

import ai.synergy.dataset.DataSource;
import ai.synergy.dataset.DataSpec;
import org.apache.hadoop.conf.Configuration;

/**
 * The named steps every configuration that trains shares ({@link TrainConfig.Builder}, {@link QuantizeConfig.Builder}):
 * the data set and synchronous parameter averaging, each starting at its default ({@link Averaging}).
 *
 * @param <B> the concrete builder, returned by every step so that steps chain
 */
public abstract class AveragedRunBuilder<B extends AveragedRunBuilder<B>> {
    private DataSource source = DataSource.fashionMnist();
    private DataSpec resolved;
    int workers = Averaging.WORKERS;
    int batchSizePerWorker = Averaging.BATCH_SIZE_PER_WORKER;
    int averagingFrequency = Averaging.AVERAGING_FREQUENCY;
    int evalBatchSize = Averaging.EVAL_BATCH_SIZE;
    long seed = Averaging.SEED;

    AveragedRunBuilder() {
    }

    /** This builder, as its own type. */
    abstract B self();

    /** The data set (default: Fashion-MNIST), resolved when the configuration is built. */
    public B data(DataSource value) {
        source = value;
        resolved = null;
        return self();
    }

    /** A data set already resolved. */
    public B data(DataSpec value) {
        resolved = value;
        return self();
    }

    /** Data-parallel workers (= shards = partitions). */
    public B workers(int value) {
        workers = value;
        return self();
    }

    /** Examples per minibatch on each worker. */
    public B batchSizePerWorker(int value) {
        batchSizePerWorker = value;
        return self();
    }

    /** Minibatches each worker fits between parameter averages. */
    public B averagingFrequency(int value) {
        averagingFrequency = value;
        return self();
    }

    /** Examples per evaluation minibatch. */
    public B evalBatchSize(int value) {
        evalBatchSize = value;
        return self();
    }

    /** Seed of initialisation, shuffles and random partitions. */
    public B seed(long value) {
        seed = value;
        return self();
    }

    /** The data set's settings as chosen (not yet resolved). */
    public DataSource dataSource() {
        return source;
    }

    /** Checks the averaging settings. */
    void checkAveraging() {
        Averaging.check(workers, batchSizePerWorker, averagingFrequency, evalBatchSize);
    }

    /** The data set; an {@code imagenet:} manifest is read through {@code hadoopConf}. */
    DataSpec resolveData(Configuration hadoopConf) {
        return resolved != null ? resolved : source.resolve(hadoopConf);
    }
}
