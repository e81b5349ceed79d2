package ai.synergy.jobs;

import ai.synergy.config.InvalidInputException;
import ai.synergy.sharding.ShardedDataset;
import ai.synergy.spark.SparkErrors;
import ai.synergy.training.DataSpec;
import ai.synergy.training.TrainingDivergedException;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;

/**
 * Driver side: the part every job shares around its data. Loads a data set into executor shards, runs the job's body
 * on them, releases them afterwards, and turns a Spark failure that bad input caused on an executor back into its
 * one-line {@link InvalidInputException}.
 */
final class LoadedData {
    private LoadedData() {
    }

    /** What a job does with its loaded data. */
    @FunctionalInterface
    interface Body<R> {
        R run(ShardedDataset shards) throws Exception; // SparkException is checked but undeclared
    }

    /** Runs {@code body} on {@code data} loaded into {@code workers} shards. */
    static <R> R use(JavaSparkContext jsc, DataSpec data, int workers, Body<R> body) throws IOException {
        ShardedDataset shards = ShardedDataset.load(jsc, data, workers);
        try {
            return body.run(shards);
        } catch (IOException | InvalidInputException | TrainingDivergedException e) {
            throw e;
        } catch (Exception e) {
            throw SparkErrors.unwrapInvalidInput(e);
        } finally {
            shards.release();
        }
    }
}
