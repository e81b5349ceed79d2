package ai.synergy.engines;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The spark-submit lines of {@code cluster-conf/README.md}, as the engine tests run them: the same options in the same
 * order, with only the sizes changed for a 2-core test machine ({@link #testSizes}) and the loopback settings of the
 * test clusters added ({@link #yarnLoopback}). {@code ClusterConfTest} checks that the README shows these lines.
 */
public final class SubmitLines {
    public static final String MAIN_CLASS = "ai.synergy.cli.SynergyCli";
    /** The shaded jar, relative to the checkout's root. */
    public static final String APP_JAR = SparkHome.APP_JAR;
    public static final String YARN_CONF = "cluster-conf/spark-defaults.yarn.conf";
    public static final String STANDALONE_CONF = "cluster-conf/spark-defaults.standalone.conf";
    /** What --files ships into every YARN container's working folder (on its class path). */
    public static final String YARN_FILES = "cluster-conf/log4j2.properties,cluster-conf/metrics.properties";

    private SubmitLines() {
    }

    /**
     * The README's YARN options before {@code --class}: cluster mode ships the two files into the containers; a
     * client-mode driver runs on the submitting host and finds them on its class path ({@code --driver-class-path
     * cluster-conf}), from where Spark ships them to the containers as well.
     */
    public static List<String> yarn(String deployMode, int executors) {
        List<String> options = new ArrayList<>(List.of("--master", "yarn", "--deploy-mode", deployMode,
                "--properties-file", YARN_CONF));
        if (deployMode.equals("client")) {
            options.addAll(List.of("--driver-class-path", "cluster-conf"));
        }
        options.addAll(List.of("--files", YARN_FILES, "--num-executors", String.valueOf(executors)));
        return options;
    }

    /** The README's standalone options before {@code --class}. */
    public static List<String> standalone(String master, String deployMode, int totalExecutorCores) {
        return new ArrayList<>(List.of("--master", master, "--deploy-mode", deployMode, "--properties-file",
                STANDALONE_CONF, "--total-executor-cores", String.valueOf(totalExecutorCores)));
    }

    /** {@code --class ai.synergy.cli.SynergyCli <the shaded jar>}. */
    public static List<String> application() {
        return List.of("--class", MAIN_CLASS, SparkHome.APP_JAR);
    }

    /**
     * The sizes of the properties file scaled to a 2-core, shared test machine: one core per executor and task, 1 GB
     * of heap and 1 GB of ND4J off-heap for the driver and each executor, containers of heap + 1280 MB. The
     * extraJavaOptions keep the file's value with only the two ND4J limits changed (an option given with --conf
     * replaces the file's whole value).
     */
    public static List<String> testSizes(String propertiesFile) throws IOException {
        Properties file = new Properties();
        try (Reader in = Files.newBufferedReader(SparkHome.ROOT.resolve(propertiesFile))) {
            file.load(in);
        }
        boolean containers = file.containsKey("spark.executor.memoryOverhead");
        List<String> conf = new ArrayList<>();
        for (Map.Entry<String, String> size : Map.of("spark.executor.cores", "1", "spark.task.cpus", "1",
                "spark.executor.memory", "1g", "spark.driver.memory", "1g", "spark.driver.maxResultSize", "1g")
                .entrySet()) {
            conf.add("--conf");
            conf.add(size.getKey() + "=" + size.getValue());
        }
        if (containers) {
            for (String key : List.of("spark.executor.memoryOverhead", "spark.driver.memoryOverhead")) {
                conf.add("--conf");
                conf.add(key + "=1280m");
            }
            conf.add("--conf");
            conf.add("spark.driver.cores=1");
        }
        for (String role : List.of("driver", "executor")) {
            String key = "spark." + role + ".extraJavaOptions";
            String options = file.getProperty(key).strip()
                    .replaceAll("-Dorg\\.bytedeco\\.javacpp\\.maxbytes=\\S+", "-Dorg.bytedeco.javacpp.maxbytes=1g")
                    .replaceAll("-Dorg\\.bytedeco\\.javacpp\\.maxphysicalbytes=\\S+",
                            "-Dorg.bytedeco.javacpp.maxphysicalbytes=2200m");
            conf.add("--conf");
            conf.add(key + "=" + options);
        }
        return conf;
    }

    /**
     * YARN containers do not inherit the NodeManager's environment: without these the application master and the
     * executors would listen on every interface.
     */
    public static List<String> yarnLoopback() {
        return List.of("--conf", "spark.yarn.appMasterEnv.SPARK_LOCAL_IP=" + MiniHadoop.HOST,
                "--conf", "spark.executorEnv.SPARK_LOCAL_IP=" + MiniHadoop.HOST);
    }

    /** Concatenation. */
    @SafeVarargs
    public static List<String> concat(List<String>... parts) {
        List<String> all = new ArrayList<>();
        for (List<String> part : parts) {
            all.addAll(part);
        }
        return all;
    }

    static Path root() {
        return SparkHome.ROOT;
    }
}
