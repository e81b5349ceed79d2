package ai.synergy.training;

import ai.synergy.config.InvalidInputException;
import org.apache.spark.SparkConf;

import java.util.Locale;

/**
 * How an averaging round's parameters and updater state reach the workers and come back to the driver.
 *
 * <ul>
 * <li>{@link #SPARK}: through Spark, as on any cluster: a torrent broadcast of packed arrays out, each worker's
 *     arrays as its task's result back (serialized, stored in the executor's block manager and fetched by the
 *     driver when larger than {@code spark.task.maxDirectResultSize}), tree-aggregated on the driver.</li>
 * <li>{@link #IN_JVM}: in local mode the workers are task threads of the driver's own JVM, so the arrays are handed
 *     over by reference ({@link InJvmRounds}); each task returns only its partition number. For ResNet-18 this saves
 *     serializing, storing, fetching and deserializing 90 MB per worker and round, and packing and blockifying the
 *     90 MB broadcast.</li>
 * </ul>
 *
 * Chosen by {@value #KEY}: {@code auto} (the default: in-JVM in local mode, Spark otherwise), {@code in-jvm} (refused
 * unless the master is local) or {@code spark}.
 */
public enum RoundExchange {
    SPARK,
    IN_JVM;

    /** The Spark configuration key that chooses the exchange. */
    public static final String KEY = "spark.synergy.roundExchange";

    /** The exchange {@code conf} asks for, on a context whose master is local or not. */
    public static RoundExchange of(SparkConf conf, boolean localMaster) {
        String value = conf.get(KEY, "auto").trim().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "auto" -> localMaster ? IN_JVM : SPARK;
            case "spark" -> SPARK;
            case "in-jvm" -> {
                if (!localMaster) {
                    throw new InvalidInputException(KEY + "=in-jvm needs a local master (the workers must be threads "
                            + "of the driver's JVM); this master is " + conf.get("spark.master", "(none)")
                            + ": use auto or spark");
                }
                yield IN_JVM;
            }
            default -> throw new InvalidInputException(KEY + "=" + conf.get(KEY)
                    + ": expected auto, in-jvm or spark");
        };
    }
}
