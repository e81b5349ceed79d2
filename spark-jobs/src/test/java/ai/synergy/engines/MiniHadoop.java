package ai.synergy.engines;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.hadoop.yarn.server.resourcemanager.rmapp.RMApp;
import org.apache.hadoop.yarn.server.resourcemanager.rmapp.RMAppState;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real HDFS (one NameNode, one DataNode) and optionally a real YARN (one ResourceManager, one NodeManager) inside the
 * test JVM, from {@code hadoop-client-minicluster}, every address on 127.0.0.1. {@link #confDir()} holds the client
 * configuration a user's {@code HADOOP_CONF_DIR} would ({@code core-site.xml} with {@code fs.defaultFS},
 * {@code hdfs-site.xml}, {@code yarn-site.xml}), so {@code hdfs:///path} and {@code --master yarn} work in a separate
 * JVM given it. {@link #close} stops everything; the NodeManager kills the containers it still runs.
 */
final class MiniHadoop implements AutoCloseable {
    static final String HOST = "127.0.0.1";

    /**
     * What the NodeManager offers (YARN's bookkeeping: the mini cluster does not enforce container memory) and the
     * scheduler's rounding.
     */
    record YarnSize(int nodeManagerMemoryMb, int nodeManagerVcores, int minimumAllocationMb) {
    }

    private final java.nio.file.Path dir;
    private final MiniDFSCluster dfs;
    private final MiniYARNCluster yarn;
    private final java.nio.file.Path confDir;
    private final FileSystem fs;

    private MiniHadoop(java.nio.file.Path dir, YarnSize yarnSize) throws IOException {
        this.dir = dir;
        Configuration conf = new Configuration();
        conf.set("dfs.namenode.rpc-bind-host", HOST);
        conf.set("dfs.namenode.http-bind-host", HOST);
        conf.set("dfs.namenode.servicerpc-bind-host", HOST);
        conf.setInt("dfs.replication", 1);
        // a nearly full disk of a CI machine must not put HDFS into safe mode or YARN's disks out of service
        conf.setLong("dfs.namenode.resource.du.reserved", 0);
        dfs = new MiniDFSCluster.Builder(conf, dir.resolve("hdfs").toFile()).numDataNodes(1).build();
        dfs.waitActive();
        fs = dfs.getFileSystem();
        confDir = Files.createDirectories(dir.resolve("hadoop-conf"));
        Configuration core = new Configuration(false);
        core.set("fs.defaultFS", hdfsUri());
        write(core, confDir.resolve("core-site.xml"));
        Configuration hdfsSite = new Configuration(false);
        hdfsSite.setInt("dfs.replication", 1);
        write(hdfsSite, confDir.resolve("hdfs-site.xml"));
        if (yarnSize == null) {
            yarn = null;
            return;
        }
        yarn = startYarn(new Configuration(dfs.getConfiguration(0)), yarnSize);
    }

    /** HDFS only. */
    static MiniHadoop hdfs(java.nio.file.Path dir) throws IOException {
        return new MiniHadoop(dir, null);
    }

    /** HDFS and YARN. */
    static MiniHadoop hdfsAndYarn(java.nio.file.Path dir, YarnSize yarnSize) throws IOException {
        return new MiniHadoop(dir, yarnSize);
    }

    private MiniYARNCluster startYarn(Configuration base, YarnSize size) throws IOException {
        YarnConfiguration conf = new YarnConfiguration(base);
        // fixed ports: the mini cluster would otherwise put every address on this machine's host name, which may
        // resolve to a public interface; free ports on 127.0.0.1 are picked here instead
        conf.setBoolean(YarnConfiguration.YARN_MINICLUSTER_FIXED_PORTS, true);
        conf.set(YarnConfiguration.RM_HOSTNAME, HOST);
        conf.set(YarnConfiguration.RM_BIND_HOST, HOST);
        for (String key : List.of(YarnConfiguration.RM_ADDRESS, YarnConfiguration.RM_SCHEDULER_ADDRESS,
                YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS, YarnConfiguration.RM_ADMIN_ADDRESS,
                YarnConfiguration.RM_WEBAPP_ADDRESS)) {
            conf.set(key, HOST + ":" + freePort());
        }
        conf.set(YarnConfiguration.NM_BIND_HOST, HOST);
        conf.set("yarn.nodemanager.hostname", HOST);
        conf.setInt("yarn.minicluster.yarn.nodemanager.resource.memory-mb", size.nodeManagerMemoryMb());
        conf.setInt(YarnConfiguration.NM_VCORES, size.nodeManagerVcores());
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, size.minimumAllocationMb());
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, size.nodeManagerMemoryMb());
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_VCORES, size.nodeManagerVcores());
        // the capacity scheduler's queues (hadoop-client-minicluster carries no capacity-scheduler.xml): one queue
        // with the whole cluster, where one application master may use any share of it
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.set("yarn.scheduler.capacity.root.default.capacity", "100");
        conf.set("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
        conf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "1.0");
        conf.setInt(YarnConfiguration.RM_AM_MAX_ATTEMPTS, 2);
        conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 100.0f);
        // containers get this JVM's Java (the NodeManager passes JAVA_HOME on only when it has one itself)
        conf.set(YarnConfiguration.NM_ADMIN_USER_ENV, "JAVA_HOME=" + System.getProperty("java.home"));
        // a killed application master is noticed within seconds, not YARN's 10 minutes of a lost node
        conf.setLong(YarnConfiguration.RM_AM_EXPIRY_INTERVAL_MS, 30_000);
        MiniYARNCluster cluster = new MiniYARNCluster("synergy-" + ProcessHandle.current().pid(), 1, 1, 1, 1);
        try {
            cluster.init(conf);
            // the NodeManager wrapper sets its own addresses to <host name>:0; bind-host keeps the sockets on
            // 127.0.0.1, and these make the addresses it advertises (node id, localizer) 127.0.0.1 as well
            Configuration nm = cluster.getNodeManager(0).getConfig();
            nm.set(YarnConfiguration.NM_ADDRESS, HOST + ":0");
            nm.set(YarnConfiguration.NM_LOCALIZER_ADDRESS, HOST + ":0");
            nm.set(YarnConfiguration.NM_WEBAPP_ADDRESS, HOST + ":0");
            nm.set(YarnConfiguration.NM_COLLECTOR_SERVICE_ADDRESS, HOST + ":" + freePort());
            cluster.start();
            if (!cluster.waitForNodeManagersToConnect(60_000)) {
                throw new IOException("the NodeManager did not register with the ResourceManager in 60 s");
            }
        } catch (Exception e) {
            cluster.stop();
            throw e instanceof IOException io ? io : new IOException("mini YARN cluster: " + e, e);
        }
        Configuration yarnSite = new Configuration(false);
        Configuration live = cluster.getConfig();
        for (String key : List.of(YarnConfiguration.RM_HOSTNAME, YarnConfiguration.RM_ADDRESS,
                YarnConfiguration.RM_SCHEDULER_ADDRESS, YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS,
                YarnConfiguration.RM_ADMIN_ADDRESS, YarnConfiguration.RM_WEBAPP_ADDRESS)) {
            yarnSite.set(key, live.get(key));
        }
        write(yarnSite, confDir.resolve("yarn-site.xml"));
        return cluster;
    }

    /** {@code hdfs://127.0.0.1:<port>}. */
    String hdfsUri() {
        return "hdfs://" + HOST + ":" + dfs.getNameNodePort();
    }

    /** The client configuration folder (HADOOP_CONF_DIR / YARN_CONF_DIR). */
    java.nio.file.Path confDir() {
        return confDir;
    }

    FileSystem fileSystem() {
        return fs;
    }

    /** Copies a local file or folder to {@code hdfsPath} (absolute, e.g. {@code /datasets/x}). */
    void upload(java.nio.file.Path local, String hdfsPath) throws IOException {
        fs.copyFromLocalFile(false, true, new Path(local.toUri()), new Path(hdfsPath));
    }

    boolean exists(String hdfsPath) throws IOException {
        return fs.exists(new Path(hdfsPath));
    }

    String read(String hdfsPath) throws IOException {
        try (var in = fs.open(new Path(hdfsPath))) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** What the ResourceManager knows of an application. */
    record App(String id, String name, RMAppState state, FinalApplicationStatus finalStatus, String diagnostics,
               int attempts) {
        boolean done() {
            return EnumSet.of(RMAppState.FINISHED, RMAppState.FAILED, RMAppState.KILLED).contains(state);
        }
    }

    /** The applications the ResourceManager has seen, oldest first. */
    List<App> applications() {
        Map<ApplicationId, RMApp> apps = yarn.getResourceManager().getRMContext().getRMApps();
        return apps.values().stream().sorted(Comparator.comparing(RMApp::getApplicationId))
                .map(a -> new App(a.getApplicationId().toString(), a.getName(), a.getState(),
                        a.getFinalApplicationStatus(), String.valueOf(a.getDiagnostics()), a.getAppAttempts().size()))
                .toList();
    }

    /** The application with this id, once the ResourceManager has ended it (bounded wait). */
    App awaitDone(String id, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<App> app = applications().stream().filter(a -> a.id().equals(id)).findFirst();
            if (app.isPresent() && app.get().done()) {
                return app.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("application " + id + " not done in " + timeout.toSeconds() + " s: " + app);
            }
            Thread.sleep(200);
        }
    }

    /** The newest application not among {@code before} (bounded wait until it appears). */
    App awaitNewApplication(Set<String> before, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<App> app = applications().stream().filter(a -> !before.contains(a.id())).reduce((a, b) -> b);
            if (app.isPresent()) {
                return app.get();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no new application in " + timeout.toSeconds() + " s");
    }

    /** Every container log file (stdout, stderr) the NodeManager kept for an application, by container id. */
    List<java.nio.file.Path> containerLogs(String appId) throws IOException {
        String[] logDirs = yarn.getNodeManager(0).getConfig().getTrimmedStrings(YarnConfiguration.NM_LOG_DIRS);
        List<java.nio.file.Path> logs = new java.util.ArrayList<>();
        for (String logDir : logDirs) {
            java.nio.file.Path app = java.nio.file.Path.of(logDir.startsWith("file:") ? URI.create(logDir).getPath()
                    : logDir).resolve(appId);
            if (Files.isDirectory(app)) {
                try (Stream<java.nio.file.Path> files = Files.walk(app)) {
                    files.filter(Files::isRegularFile).sorted().forEach(logs::add);
                }
            }
        }
        return logs;
    }

    /** The mini YARN cluster's own working folder (under {@code target/}). */
    java.io.File yarnWorkDir() {
        return yarn.getTestWorkDir();
    }

    @Override
    public void close() {
        try {
            if (yarn != null) {
                yarn.stop();
            }
        } finally {
            try {
                fs.close();
            } catch (IOException ignored) {
                // the cluster goes anyway
            }
            dfs.shutdown(true);
            if (yarn != null) {
                deleteQuietly(yarn.getTestWorkDir().toPath());
            }
        }
    }

    private static void deleteQuietly(java.nio.file.Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<java.nio.file.Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // leftovers under target/ are removed by the next mvn clean
        }
    }

    private static void write(Configuration conf, java.nio.file.Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            conf.writeXml(out);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }

    static void sleep(Duration d) {
        try {
            TimeUnit.MILLISECONDS.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
