package ai.synergy.cluster;

import ai.synergy.spark.SparkContexts;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.SparkConf;
import org.apache.spark.launcher.JavaModuleOptions;
import org.apache.spark.network.util.JavaUtils;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster on 127.0.0.1 for tests and for trying the jobs on one machine: a master and N workers
 * started as plain {@code java} processes from a classpath (no Spark installation), each executor in its own JVM.
 * The folder given becomes SPARK_HOME: its {@code jars/} links the classpath's jars, which is where a worker looks for
 * the executors' classpath; folders on the classpath (e.g. {@code target/classes}) reach executors through a
 * manifest-only jar there whose {@code Class-Path} names them. Web UIs listen on 127.0.0.1 only. {@link #close} stops every process it started.
 */
public final class LoopbackCluster implements AutoCloseable {
    private static final String HOST = "127.0.0.1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLASS_FOLDERS_JAR = "class-folders.jar";

    /**
     * What to start.
     *
     * @param workers         number of worker processes
     * @param coresPerWorker  cores each worker offers (an executor takes them all by default)
     * @param workerMemory    memory each worker offers to executors, in Spark's size syntax ("3g")
     * @param home            folder that becomes SPARK_HOME (jars/, logs/, work/); created if missing
     * @param classpath       the jars and class folders of the master, workers and executors
     * @param workerResources Spark worker properties (e.g. {@code spark.worker.resource.gpu.amount}); may be empty
     * @param startTimeout    how long to wait for the workers to register
     */
    public record Options(int workers, int coresPerWorker, String workerMemory, Path home, List<Path> classpath,
                          Map<String, String> workerResources, Duration startTimeout) {
        public Options {
            if (workers < 1 || coresPerWorker < 1) {
                throw new IllegalArgumentException("workers and cores per worker must be >= 1");
            }
            classpath = List.copyOf(classpath);
            workerResources = Map.copyOf(workerResources);
        }

        /** {@code workers} single-core workers offering {@code workerMemory} each, on this JVM's classpath. */
        public static Options of(int workers, String workerMemory, Path home) {
            return new Options(workers, 1, workerMemory, home, currentClasspath(), Map.of(), Duration.ofSeconds(90));
        }
    }

    /** The environment variable Spark reads its shared authentication secret from (its SecurityManager's). */
    public static final String SECRET_ENV = SparkContexts.AUTH_SECRET_ENV;
    /** The file under the cluster's home holding the secret (owner-only), for bin/synergy. */
    public static final String SECRET_FILE = "auth-secret";

    private final Options options;
    private final String secret;
    private final int masterPort;
    private final int masterUiPort;
    private final Process master;
    private final List<Process> workers = new ArrayList<>();
    private final Set<ProcessHandle> started = new HashSet<>();
    private final Thread shutdownHook = new Thread(this::stopProcesses, "loopback-cluster-stop");

    private LoopbackCluster(Options options) throws IOException {
        this.options = options;
        Path home = options.home().toAbsolutePath();
        Files.createDirectories(home.resolve("logs"));
        linkJars(options.classpath(), home.resolve("jars"));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SPARK_HOME", home.toString());
        env.put("SPARK_SCALA_VERSION", "2.12");
        env.put("SPARK_LOCAL_IP", HOST);
        env.put("SPARK_LOCAL_HOSTNAME", HOST);
        env.put("JAVA_HOME", System.getProperty("java.home"));
        // every connection to the master, the workers and the executors authenticates with a secret made for this
        // cluster; it travels in the environment (not on command lines) and in an owner-only file for bin/synergy
        secret = newSecret();
        env.put(SECRET_ENV, secret);
        writeSecretFile(home.resolve(SECRET_FILE), secret);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        masterPort = freePort();
        masterUiPort = freePort();
        master = launch("master", env, List.of("org.apache.spark.deploy.master.Master",
                "--host", HOST, "--port", String.valueOf(masterPort), "--webui-port", String.valueOf(masterUiPort)));
        Path workerProperties = home.resolve("worker.properties");
        writeProperties(workerProperties, options.workerResources());
        for (int i = 0; i < options.workers(); i++) {
            Path workDir = Files.createDirectories(home.resolve("work").resolve("worker-" + i));
            workers.add(launch("worker-" + i, env, List.of("org.apache.spark.deploy.worker.Worker",
                    "--host", HOST, "--webui-port", "0", "--cores", String.valueOf(options.coresPerWorker()),
                    "--memory", options.workerMemory(), "--work-dir", workDir.toString(),
                    "--properties-file", workerProperties.toString(), masterUrl())));
        }
    }

    /** Starts the cluster and waits (bounded by the options' timeout) until every worker has registered. */
    public static LoopbackCluster start(Options options) throws IOException {
        LoopbackCluster cluster = new LoopbackCluster(options);
        try {
            cluster.awaitWorkers(options.startTimeout());
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** The master's URL, {@code spark://127.0.0.1:<port>}. */
    public String masterUrl() {
        return "spark://" + HOST + ":" + masterPort;
    }

    /** The master's web UI (on 127.0.0.1). */
    public URI masterUi() {
        return URI.create("http://" + HOST + ":" + masterUiPort);
    }

    /**
     * A configuration for an application on this cluster: one executor per worker with all its cores, the driver on
     * 127.0.0.1, its UI off, and the executor heap and ND4J off-heap limits sized to fit the worker's memory.
     */
    public SparkConf applicationConf(String appName, String executorHeap, String executorOffHeap) {
        int workers = options.workers();
        return new SparkConf().setAppName(appName).setMaster(masterUrl())
                .set("spark.authenticate", "true")
                .set(SECRET_CONF, secret)
                .set("spark.driver.host", HOST)
                .set("spark.driver.bindAddress", HOST)
                .set("spark.ui.enabled", "false")
                .set("spark.executor.memory", executorHeap)
                .set("spark.executor.cores", String.valueOf(options.coresPerWorker()))
                .set("spark.cores.max", String.valueOf(workers * options.coresPerWorker()))
                .set("spark.executor.extraJavaOptions", "-Dorg.bytedeco.javacpp.maxbytes=" + executorOffHeap
                        + " -Dorg.bytedeco.javacpp.maxphysicalbytes=" + physicalLimit(executorHeap, executorOffHeap))
                // wait for every executor before the first job, so work is spread as it will be on a cluster
                .set("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                .set("spark.scheduler.maxRegisteredResourcesWaitingTime", "60s");
    }

    /** The Spark setting that holds the secret in {@link #applicationConf}; a separate JVM gets it from {@link #authEnvironment()}. */
    public static final String SECRET_CONF = "spark.authenticate.secret";

    /** The environment a driver JVM started for this cluster needs to authenticate (keeps the secret off its command line). */
    public Map<String, String> authEnvironment() {
        return Map.of(SECRET_ENV, secret);
    }

    private static String newSecret() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static void writeSecretFile(Path file, String secret) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, secret);
    }

    /** The executor JVMs running now (children of the workers). */
    public List<ProcessHandle> executors() {
        return workers.stream().flatMap(w -> w.toHandle().children()).filter(ProcessHandle::isAlive).toList();
    }

    /** Every process this cluster started (master, workers, executors seen so far), for checks after close. */
    public Set<ProcessHandle> processes() {
        synchronized (started) {
            executors().forEach(started::add);
            return Set.copyOf(started);
        }
    }

    /** Where the master's and workers' logs go. */
    public Path logs() {
        return options.home().toAbsolutePath().resolve("logs");
    }

    /** Stops workers (and their executors) and the master; forcibly after a bounded wait. */
    @Override
    public void close() {
        stopProcesses();
        try {
            unlinkJars(options.home().toAbsolutePath().resolve("jars"));
        } catch (IOException e) {
            // links left behind point into the Maven repository; harmless
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private void stopProcesses() {
        Set<ProcessHandle> all = new LinkedHashSet<>(processes());
        for (Process worker : workers) {
            worker.toHandle().descendants().forEach(all::add);
        }
        all.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (ProcessHandle p : all) {
            long left = deadline - System.nanoTime();
            try {
                p.onExit().get(Math.max(1, left), TimeUnit.NANOSECONDS);
            } catch (Exception notYet) {
                p.destroyForcibly();
            }
        }
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // nothing more can be done than destroyForcibly
            }
        }
    }

    private void awaitWorkers(Duration timeout) throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(masterUi().resolve("/json/")).timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        int alive = 0;
        while (System.nanoTime() < deadline) {
            checkRunning();
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    JsonNode state = JSON.readTree(response.body());
                    alive = state.path("aliveworkers").asInt(0);
                    if (alive >= options.workers()) {
                        return;
                    }
                }
            } catch (IOException notUpYet) {
                // the master's UI is still starting
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the loopback cluster", e);
            }
            sleep(500);
        }
        throw new IOException("loopback cluster: " + alive + " of " + options.workers() + " workers registered within "
                + timeout.toSeconds() + " s; logs in " + logs());
    }

    private void checkRunning() throws IOException {
        if (!master.isAlive()) {
            throw new IOException("loopback cluster: the master exited (" + master.exitValue() + "); see "
                    + logs().resolve("master.log"));
        }
        for (int i = 0; i < workers.size(); i++) {
            if (!workers.get(i).isAlive()) {
                throw new IOException("loopback cluster: worker " + i + " exited; see "
                        + logs().resolve("worker-" + i + ".log"));
            }
        }
    }

    /**
     * A command line that runs {@code mainAndArgs} in a new JVM of this JVM's Java, with Spark's Java 17 module
     * options, the given JVM options (e.g. {@code -Xmx512m}, {@code -Dspark.master=...}) and classpath.
     */
    public static List<String> javaCommand(List<String> jvmOptions, List<Path> classpath, List<String> mainAndArgs) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(JavaModuleOptions.defaultModuleOptions().split("\\s+")));
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classpath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)));
        command.addAll(mainAndArgs);
        return command;
    }

    private Process launch(String name, Map<String, String> env, List<String> mainAndArgs) throws IOException {
        List<String> command = javaCommand(List.of("-Xmx512m", "-Dspark.authenticate=true"), options.classpath(),
                mainAndArgs);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(logs().resolve(name + ".log").toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        synchronized (started) {
            started.add(process.toHandle());
        }
        return process;
    }

    private static void unlinkJars(Path jars) throws IOException {
        if (Files.isDirectory(jars)) {
            try (Stream<Path> links = Files.list(jars)) {
                for (Path p : links.toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /**
     * Links every jar into {@code jars/} (SPARK_HOME layout); class folders, which a {@code jars/*} wildcard cannot
     * name, go into the {@code Class-Path} of a manifest-only jar written there.
     */
    private static void linkJars(List<Path> classpath, Path jars) throws IOException {
        Files.createDirectories(jars);
        unlinkJars(jars);
        List<String> folders = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        for (Path entry : classpath) {
            Path absolute = entry.toAbsolutePath();
            if (Files.isDirectory(absolute)) {
                folders.add(absolute.toUri().toString());
            } else if (Files.isRegularFile(absolute) && absolute.toString().endsWith(".jar")) {
                String name = absolute.getFileName().toString();
                int seen = names.merge(name, 1, Integer::sum);
                Files.createSymbolicLink(jars.resolve(seen == 1 ? name : seen + "-" + name), absolute);
            }
        }
        if (!folders.isEmpty()) {
            Manifest manifest = new Manifest();
            manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", folders));
            try (var out = new JarOutputStream(Files.newOutputStream(jars.resolve(CLASS_FOLDERS_JAR)),
                    manifest)) {
                out.flush();
            }
        }
    }

    /** This JVM's classpath (under Surefire, the test classpath). */
    public static List<Path> currentClasspath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(s -> !s.isBlank()).map(Path::of).toList();
    }

    private static String physicalLimit(String heap, String offHeap) {
        long bytes = JavaUtils.byteStringAsBytes(heap)
                + JavaUtils.byteStringAsBytes(offHeap);
        return (bytes + (bytes / 4)) / (1024 * 1024) + "m";
    }

    private static void writeProperties(Path file, Map<String, String> properties) throws IOException {
        StringBuilder text = new StringBuilder();
        properties.forEach((k, v) -> text.append(k).append(' ').append(v).append('\n'));
        Files.writeString(file, text.toString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted", e));
        }
    }
}
