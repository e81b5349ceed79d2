package ai.synergy.spark;

import ai.synergy.config.InvalidInputException;
import ai.synergy.nd4j.Nd4jRuntime;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.function.Supplier;

/**
 * Driver side: the one place a job's {@link JavaSparkContext} is made. The master comes from spark-submit or
 * {@code --conf spark.master=...}; only when none is given does a job run in {@code local[workers]}, bound to
 * 127.0.0.1 with the web UI off, so a laptop needs no Spark installation.
 */
public final class SparkContexts {
    private SparkContexts() {
    }

    /** The Spark configuration a job runs with: spark-submit's settings, plus defaults for what they leave unset. */
    public static SparkConf configuration(String appName, int localThreads) {
        return withDefaults(new SparkConf().setAppName(appName), localThreads);
    }

    /**
     * {@code conf} plus the project's defaults where it is silent: {@code local[localThreads]} on 127.0.0.1 when no
     * master is set, DL4J's layer helpers on in the executors, Kryo with the project's registrator and every class
     * registered ({@code spark.kryo.registrationRequired}).
     */
    public static SparkConf withDefaults(SparkConf conf, int localThreads) {
        if (!conf.contains("spark.master")) {
            requireLocalWorkers(localThreads);
            conf.setMaster("local[" + localThreads + "]");
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
            conf.setIfMissing("spark.ui.enabled", "false");
        }
        // a standalone driver needs the shared secret in its configuration; take it from Spark's own environment
        // variable (set by bin/synergy from SYNERGY_SECRET_FILE), which keeps it off the command line
        String secret = System.getenv(AUTH_SECRET_ENV);
        if (conf.getBoolean("spark.authenticate", false) && !conf.contains("spark.authenticate.secret")
                && secret != null && !secret.isEmpty()) {
            conf.set("spark.authenticate.secret", secret);
        }
        // DL4J's oneDNN/cuDNN layer helpers are off in M2.1 unless this property is set on every JVM.
        String helpers = "-D" + Nd4jRuntime.HELPERS_DISABLE_PROPERTY + "=false";
        String executorOpts = conf.get("spark.executor.extraJavaOptions", "");
        if (!executorOpts.contains(Nd4jRuntime.HELPERS_DISABLE_PROPERTY)) {
            conf.set("spark.executor.extraJavaOptions", (executorOpts + " " + helpers).trim());
        }
        conf.setIfMissing("spark.driver.maxResultSize", "2g");
        conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.setIfMissing("spark.kryo.registrator", SynergyKryoRegistrator.class.getName());
        conf.setIfMissing("spark.kryo.registrationRequired", "true");
        conf.setIfMissing("spark.kryoserializer.buffer.max", "512m");
        return conf;
    }

    /**
     * The most workers a job runs in local mode: each is a task thread in this JVM holding its shard and a network
     * copy, so far more of them than cores only thrash and run out of memory.
     */
    public static int maxLocalWorkers() {
        return Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
    }

    private static void requireLocalWorkers(int workers) {
        if (workers > maxLocalWorkers()) {
            throw new InvalidInputException("--workers " + workers + ": local mode runs every "
                    + "worker as a thread of this JVM (" + Runtime.getRuntime().availableProcessors() + " cores "
                    + "here); use at most " + maxLocalWorkers() + ", or submit to a cluster (spark-submit, or "
                    + "SYNERGY_MASTER with bin/synergy)");
        }
    }

    /** The environment variable Spark's executors read the shared authentication secret from. */
    public static final String AUTH_SECRET_ENV = "_SPARK_AUTH_SECRET";

    /** Starts a context for a job (stop it in {@code finally}). */
    public static JavaSparkContext start(String appName, int localThreads) {
        return start(configuration(appName, localThreads));
    }

    /** A context a command runs its job on; closing it stops the context only if {@link #open} started it. */
    public static final class JobContext implements AutoCloseable {
        private final JavaSparkContext jsc;
        private final boolean owned;

        private JobContext(JavaSparkContext jsc, boolean owned) {
            this.jsc = jsc;
            this.owned = owned;
        }

        /** The context. */
        public JavaSparkContext jsc() {
            return jsc;
        }

        @Override
        public void close() {
            if (owned) {
                jsc.stop();
            }
        }
    }

    private static final ThreadLocal<JavaSparkContext> SHARED = new ThreadLocal<>();

    /**
     * The context for a command: the caller's own (a notebook's {@code sc}, see {@link #runOn}) if this thread has one,
     * otherwise a new one from {@link #start(String, int)}.
     */
    public static JobContext open(String appName, int localThreads) {
        JavaSparkContext shared = SHARED.get();
        if (shared != null) {
            return new JobContext(shared, false);
        }
        JavaSparkContext jsc = start(appName, localThreads);
        try {
            ExecutorWait.awaitExecutors(jsc, localThreads);
        } catch (RuntimeException e) {
            jsc.stop();
            throw e;
        }
        return new JobContext(jsc, true);
    }

    /** Runs {@code body} with commands on this thread using {@code jsc} instead of starting (and stopping) their own. */
    public static <T> T runOn(JavaSparkContext jsc, Supplier<T> body) {
        JavaSparkContext before = SHARED.get();
        SHARED.set(jsc);
        try {
            return body.get();
        } finally {
            if (before == null) {
                SHARED.remove();
            } else {
                SHARED.set(before);
            }
        }
    }

    /** Starts a context for a configuration made by {@link #withDefaults} (stop it in {@code finally}). */
    public static JavaSparkContext start(SparkConf conf) {
        Nd4jRuntime.enableLayerHelpers();
        return new JavaSparkContext(conf);
    }
}
