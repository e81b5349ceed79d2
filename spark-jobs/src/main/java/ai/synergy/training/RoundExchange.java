package ai.synergy.training;

import ai.synergy.config.InvalidInputException;
import org.apache.spark.SparkConf;

import java.util.Locale;

/**
 * How an averaging round's parameters and updater state reach the workers and come back to the driver.
 *
 * <ul>
 * <li>{@link #SPARK}: through Spark: a torrent broadcast of packed arrays out, each worker's arrays as its task's
 *     result back (serialized, stored in the executor's block manager and fetched by the driver when larger than
 *     {@code spark.task.maxDirectResultSize}), averaged on the driver. Every byte goes over Spark's connections, so
 *     this is the exchange for clusters that encrypt them ({@code spark.network.crypto.enabled}).</li>
 * <li>{@link #DIRECT}: the driver serves the round's arrays from a socket of its own ({@link RoundServer}) and each
 *     task fetches them straight into its network and sends its result back the same way; only a secret, the
 *     driver's address and the learning rates go through Spark, and each task returns its partition number. For
 *     ResNet-18 this saves, per worker and round, the blockifying, torrent fetch and Java deserialization of a 90 MB
 *     broadcast and the serialization, block store, fetch and deserialization of a 90 MB result. The connection is
 *     not encrypted (a per-round secret authenticates each request).</li>
 * <li>{@link #IN_JVM}: in local mode the workers are task threads of the driver's own JVM, so the arrays are handed
 *     over by reference ({@link InJvmRounds}); each task returns only its partition number.</li>
 * </ul>
 *
 * Chosen by {@value #KEY}: {@code auto} (the default: in-JVM in local mode; on a cluster direct, or Spark where
 * Spark's connections are encrypted), {@code direct} (refused where they are encrypted), {@code in-jvm} (refused
 * unless the master is local) or {@code spark}. All three average the same results in the same order: the driver's
 * arrays after a round are equal bit for bit.
 */
public enum RoundExchange {
    SPARK,
    DIRECT,
    IN_JVM;

    /** The Spark configuration key that chooses the exchange. */
    public static final String KEY = "spark.synergy.roundExchange";
    /** Spark's key for encrypting its own connections. */
    static final String CRYPTO_KEY = "spark.network.crypto.enabled";

    /** The exchange {@code conf} asks for, on a context whose master is local or not. */
    public static RoundExchange of(SparkConf conf, boolean localMaster) {
        String value = conf.get(KEY, "auto").trim().toLowerCase(Locale.ROOT);
        boolean encrypted = conf.getBoolean(CRYPTO_KEY, false);
        return switch (value) {
            case "auto" -> localMaster ? IN_JVM : encrypted ? SPARK : DIRECT;
            case "spark" -> SPARK;
            case "direct" -> {
                if (encrypted) {
                    throw new InvalidInputException(KEY + "=direct would send the rounds' arrays unencrypted, but "
                            + CRYPTO_KEY + "=true asks for encrypted connections: use auto or spark");
                }
                yield DIRECT;
            }
            case "in-jvm" -> {
                if (!localMaster) {
                    throw new InvalidInputException(KEY + "=in-jvm needs a local master (the workers must be threads "
                            + "of the driver's JVM); this master is " + conf.get("spark.master", "(none)")
                            + ": use auto, direct or spark");
                }
                yield IN_JVM;
            }
            default -> throw new InvalidInputException(KEY + "=" + conf.get(KEY)
                    + ": expected auto, direct, in-jvm or spark");
        };
    }
}
