package ai.synergy.training;

import org.deeplearning4j.spark.api.stats.CommonSparkTrainingStats;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.impl.paramavg.stats.ParameterAveragingTrainingMasterStats;
import org.deeplearning4j.spark.stats.EventStats;

import java.util.List;

/**
 * Where the wall time of one training epoch went, from dl4j-spark's training statistics (driver and workers) and the
 * driver's clock. Worker figures are means over the workers (each worker runs on its own cores, in parallel).
 *
 * @param wallSeconds        the epoch's training time on the driver (all averaging rounds, evaluation excluded)
 * @param computeSeconds     workers fitting minibatches (forward, backward, update; the last fit of a round also
 *                           copies the parameters and updater state for averaging)
 * @param dataSeconds        workers waiting for their next minibatch (reading, decoding and assembling it)
 * @param averagingSeconds   parameter averaging and broadcast: the driver building the broadcast and setting the
 *                           averaged parameters, the workers reading the broadcast and building their copy of the
 *                           network, and what the workers' task spent outside fits and data
 * @param schedulingSeconds  the rest: job and task launch, task (de)serialization, sending and tree-reducing the
 *                           workers' parameters, and waiting for the slowest worker
 * @param rounds             averaging rounds (Spark jobs) in the epoch
 * @param workers            workers that reported
 */
public record EpochTimeSplit(double wallSeconds, double computeSeconds, double dataSeconds, double averagingSeconds,
                             double schedulingSeconds, int rounds, int workers) {

    /** Splits {@code wallSeconds} with the statistics dl4j-spark collected over the epoch's rounds. */
    public static EpochTimeSplit of(SparkTrainingStats stats, double wallSeconds, int rounds, int workers) {
        double broadcastCreate = seconds(stats, ParameterAveragingTrainingMasterStats
                .PARAMETER_AVERAGING_MASTER_BROADCAST_CREATE_TIMES_MS);
        double processParams = seconds(stats, ParameterAveragingTrainingMasterStats
                .PARAMETER_AVERAGING_MASTER_PROCESS_PARAMS_UPDATER_TIMES_MS);
        double workerTotal = seconds(stats, CommonSparkTrainingStats.WORKER_FLAT_MAP_TOTAL_TIME_MS) / workers;
        double initialModel = seconds(stats, CommonSparkTrainingStats.WORKER_FLAT_MAP_GET_INITIAL_MODEL_TIME_MS)
                / workers;
        double data = seconds(stats, CommonSparkTrainingStats.WORKER_FLAT_MAP_DATA_SET_GET_TIMES_MS) / workers;
        double compute = seconds(stats, CommonSparkTrainingStats.WORKER_FLAT_MAP_PROCESS_MINI_BATCH_TIMES_MS)
                / workers;
        double workerOther = Math.max(0, workerTotal - initialModel - data - compute);
        double averaging = broadcastCreate + processParams + initialModel + workerOther;
        double scheduling = Math.max(0, wallSeconds - compute - data - averaging);
        return new EpochTimeSplit(wallSeconds, compute, data, averaging, scheduling, rounds, workers);
    }

    private static double seconds(SparkTrainingStats stats, String key) {
        if (!stats.getKeySet().contains(key)) {
            return 0;
        }
        List<EventStats> events = stats.getValue(key);
        return events == null ? 0 : events.stream().mapToLong(EventStats::getDurationMs).sum() / 1000.0;
    }

    /** Fraction of the wall time spent on parameter averaging and broadcast. */
    public double averagingFraction() {
        return wallSeconds > 0 ? averagingSeconds / wallSeconds : 0;
    }

    /** One line for the console, e.g. {@code compute 91%, data 1%, averaging 3%, scheduling 5%}. */
    public String describe() {
        return String.format("compute %.0f%%, data %.0f%%, averaging/broadcast %.0f%%, scheduling %.0f%% of %.1f s",
                percent(computeSeconds), percent(dataSeconds), percent(averagingSeconds), percent(schedulingSeconds),
                wallSeconds);
    }

    private double percent(double seconds) {
        return wallSeconds > 0 ? 100 * seconds / wallSeconds : 0;
    }
}
