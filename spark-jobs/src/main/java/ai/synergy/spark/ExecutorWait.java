package ai.synergy.spark;

import ai.synergy.config.InvalidInputException;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.network.util.JavaUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Driver side: waits, bounded in time, until a cluster has granted the job's executors, and says in numbers what was
 * asked and what was granted when it has not: a job whose executors a cluster cannot give (each asks for more memory
 * or cores than a node offers) otherwise waits silently forever.
 */
public final class ExecutorWait {
    private static final Logger log = LoggerFactory.getLogger(ExecutorWait.class);
    /** How long a job waits for its first executor before it fails with the numbers (Spark time string). */
    public static final String TIMEOUT_CONF = "spark.synergy.executorWaitTimeout";
    /** {@value #TIMEOUT_CONF}'s default. */
    public static final String DEFAULT_TIMEOUT = "300s";

    private ExecutorWait() {
    }

    /**
     * On a cluster master, waits until executors with task slots for {@code workers} tasks have registered, or until
     * {@value #TIMEOUT_CONF} has passed: with no executor then, fails with what was asked and granted; with fewer slots
     * than workers, warns with the numbers and goes on (tasks then run in waves). Local mode returns at once.
     */
    public static void awaitExecutors(JavaSparkContext jsc, int workers) {
        SparkConf conf = jsc.getConf();
        if (conf.get("spark.master", "local").startsWith("local")) {
            return;
        }
        Duration timeout = Duration.ofMillis(conf.getTimeAsMs(TIMEOUT_CONF, DEFAULT_TIMEOUT));
        int coresPerExecutor = conf.getInt("spark.executor.cores", 1);
        int taskCpus = conf.getInt("spark.task.cpus", 1);
        int slotsPerExecutor = Math.max(1, coresPerExecutor / Math.max(1, taskCpus));
        long deadline = System.nanoTime() + timeout.toNanos();
        int granted = executors(jsc);
        while (granted * slotsPerExecutor < workers && System.nanoTime() < deadline) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            granted = executors(jsc);
        }
        if (granted == 0) {
            throw new InvalidInputException("the cluster granted no executor in " + timeout.toSeconds() + " s ("
                    + TIMEOUT_CONF + "): " + asked(conf, workers) + ". Each executor must fit on one node: on YARN in "
                    + "yarn.scheduler.maximum-allocation-mb/-vcores and a NodeManager's free memory and cores, on a "
                    + "standalone worker in its SPARK_WORKER_MEMORY/CORES; see cluster-conf/README.md, \"Sizing\"");
        }
        if (granted * slotsPerExecutor < workers) {
            log.warn("only {} executor(s) with {} task slot(s) each after {} s for {} workers ({}); the workers' tasks "
                    + "run in waves, which slows every averaging round", granted, slotsPerExecutor,
                    timeout.toSeconds(), workers, asked(conf, workers));
        }
    }

    /** Executors registered now (the driver is not one). */
    private static int executors(JavaSparkContext jsc) {
        return Math.max(0, jsc.sc().statusTracker().getExecutorInfos().length - 1);
    }

    /** What the job asked for, in a user's words and numbers. */
    static String asked(SparkConf conf, int workers) {
        long heapMb = JavaUtils.byteStringAsMb(conf.get("spark.executor.memory", "1g"));
        long overheadMb = conf.contains("spark.executor.memoryOverhead")
                ? JavaUtils.byteStringAsMb(conf.get("spark.executor.memoryOverhead"))
                : Math.max(384, (long) (heapMb * conf.getDouble("spark.executor.memoryOverheadFactor", 0.10)));
        String instances = conf.contains("spark.executor.instances") ? conf.get("spark.executor.instances")
                : conf.contains("spark.cores.max") ? conf.getInt("spark.cores.max", 0)
                / Math.max(1, conf.getInt("spark.executor.cores", 1)) + "" : "?";
        return "asked for " + instances + " executor(s) for " + workers + " workers, each "
                + conf.getInt("spark.executor.cores", 1) + " core(s) and " + (heapMb + overheadMb) + " MB ("
                + heapMb + " MB heap + " + overheadMb + " MB overhead)";
    }
}
