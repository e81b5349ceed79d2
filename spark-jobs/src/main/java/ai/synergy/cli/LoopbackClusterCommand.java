package ai.synergy.cli;

import ai.synergy.cluster.LoopbackCluster;
import ai.synergy.config.InvalidInputException;
import org.apache.spark.network.util.JavaUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code synergy loopback-cluster}: a Spark standalone master and workers on 127.0.0.1, each executor its own JVM,
 * running in the foreground until Ctrl-C (or {@code --stop-after-minutes}); jobs reach it with
 * {@code SYNERGY_MASTER=<url> bin/synergy ...}.
 */
@Command(name = "loopback-cluster", mixinStandardHelpOptions = true,
        description = "Run a Spark standalone cluster on 127.0.0.1 (master + workers, one executor JVM per worker) "
                + "from this build's classpath, until Ctrl-C. Submit jobs to it with SYNERGY_MASTER=<master URL>.")
final class LoopbackClusterCommand implements Callable<Integer> {
    @Option(names = "--workers", defaultValue = "2", description = "Worker processes (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--cores", defaultValue = "1", description = "Cores per worker (default: ${DEFAULT-VALUE}).")
    int cores;

    @Option(names = "--worker-memory", defaultValue = "4g",
            description = "Executor heap each worker offers, Spark size syntax (default: ${DEFAULT-VALUE}).")
    String workerMemory;

    @Option(names = "--dir", defaultValue = "target/loopback-cluster",
            description = "Folder for SPARK_HOME links, logs and executor work dirs (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--stop-after-minutes", defaultValue = "0",
            description = "Stop by itself after this many minutes; 0 = only on Ctrl-C (default: ${DEFAULT-VALUE}).")
    int stopAfterMinutes;

    @Override
    public Integer call() throws Exception {
        if (workers < 1 || cores < 1) {
            throw new InvalidInputException("--workers and --cores must be >= 1");
        }
        if (stopAfterMinutes < 0) {
            throw new InvalidInputException("--stop-after-minutes must be >= 0, got " + stopAfterMinutes);
        }
        try {
            JavaUtils.byteStringAsBytes(workerMemory);
        } catch (NumberFormatException e) {
            throw new InvalidInputException("--worker-memory: not a size like 4g or 512m: " + workerMemory);
        }
        LoopbackCluster.Options options = new LoopbackCluster.Options(workers, cores, workerMemory, dir,
                LoopbackCluster.currentClasspath(), Map.of(), Duration.ofSeconds(120));
        CountDownLatch stop = new CountDownLatch(1);
        try (LoopbackCluster cluster = LoopbackCluster.start(options)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "loopback-cluster-ctrl-c"));
            System.out.println("loopback cluster up: " + workers + " workers x " + cores + " cores");
            System.out.println("  master   " + cluster.masterUrl());
            System.out.println("  web UI   " + cluster.masterUi());
            System.out.println("  logs     " + cluster.logs());
            System.out.println("submit a job from another shell, e.g.:");
            System.out.println("  SYNERGY_MASTER=" + cluster.masterUrl() + " SYNERGY_SECRET_FILE="
                    + options.home().toAbsolutePath().resolve(LoopbackCluster.SECRET_FILE) + " bin/synergy train "
                    + "--workers " + workers + " --epochs 1 --out runs/on-cluster");
            System.out.println("(every connection authenticates with the cluster's secret, spark.authenticate)");
            System.out.println("Ctrl-C stops the master, the workers and their executors.");
            if (stopAfterMinutes > 0) {
                stop.await(stopAfterMinutes, TimeUnit.MINUTES);
            } else {
                stop.await();
            }
        }
        return 0;
    }
}
