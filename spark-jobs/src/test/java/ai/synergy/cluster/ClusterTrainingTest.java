package ai.synergy.cluster;

import ai.synergy.run.RunFolder;
import ai.synergy.adversarial.Pgd;
import ai.synergy.dks.Supervision;
import ai.synergy.jobs.QuantizeJob;
import ai.synergy.jobs.TrainJob;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.pruning.PrunableLayers;
import ai.synergy.quantization.Codebooks;
import ai.synergy.quantization.InqCodebook;
import ai.synergy.spark.ComputeThreads;
import ai.synergy.spark.SparkContexts;
import ai.synergy.testing.IdxFixtures;
import ai.synergy.training.AdversarialTraining;
import ai.synergy.dataset.DataSpec;
import ai.synergy.training.QuantizationMethod;
import ai.synergy.training.QuantizeConfig;
import ai.synergy.training.TrainConfig;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The jobs on a loopback standalone cluster, where the driver, the master, two workers and every executor are
 * separate JVMs: training matches local mode, DKS + PGD and quantization masks cross JVM boundaries under Kryo with
 * every class registered, a killed executor costs only re-run tasks, a killed driver resumes from its last
 * checkpoint, and a diverging loss stops the job keeping the last good checkpoint.
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ClusterTrainingTest {
    @TempDir
    static Path dir;
    static LoopbackCluster cluster;
    static DataSpec data;
    static Set<ProcessHandle> started = Set.of();

    @BeforeAll
    static void startCluster() throws IOException {
        data = IdxFixtures.dataSpec(dir.resolve("data"), 1024, 256, 11);
        cluster = LoopbackCluster.start(new LoopbackCluster.Options(2, 1, "2g", dir.resolve("cluster"),
                LoopbackCluster.currentClasspath(), Map.of(), Duration.ofSeconds(120)));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            Set<ProcessHandle> all = cluster.processes();
            cluster.close();
            assertThat(all).as("processes the cluster started").hasSizeGreaterThanOrEqualTo(3)
                    .noneMatch(ProcessHandle::isAlive);
        }
    }

    static JavaSparkContext startApp(String name) {
        return SparkContexts.start(SparkContexts.withDefaults(cluster.applicationConf(name, "1g", "2g"), 2));
    }

    static <T> T onCluster(String name, Function<JavaSparkContext, T> job) {
        JavaSparkContext jsc = startApp(name);
        try {
            // one executor JVM per worker, none of them this JVM
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (jsc.sc().getExecutorMemoryStatus().size() < 3 && System.nanoTime() < deadline) {
                sleepQuietly(100);
            }
            assertThat(jsc.sc().getExecutorMemoryStatus().size()).as("block managers: driver + executors")
                    .isEqualTo(3);
            assertThat(cluster.executors()).hasSize(2)
                    .noneMatch(p -> p.pid() == ProcessHandle.current().pid());
            assertThat(jsc.getConf().get("spark.serializer")).endsWith("KryoSerializer");
            assertThat(jsc.getConf().get("spark.kryo.registrationRequired")).isEqualTo("true");
            return job.apply(jsc);
        } finally {
            jsc.stop();
        }
    }

    static ModelSpec resnet8() {
        return new ModelSpec(ModelArchitecture.parse("resnet8"), 1, 1, 28, 28, 10, data.mean(), data.std(), 5);
    }

    static TrainConfig plain(int epochs) {
        return TrainConfig.builder().data(data).model("resnet8").learningRate(0.05)
                .schedule(LearningRateSchedule.Type.CONSTANT).weightDecay(5e-4).epochs(epochs).workers(2)
                .batchSizePerWorker(32).averagingFrequency(3).evalBatchSize(128).seed(5).keepCheckpoints(2).build();
    }

    static TrainJob.Result train(JavaSparkContext jsc, TrainConfig config, Path out) {
        try {
            return new TrainJob(jsc, config, new TrainJob.RunOptions(out.toString(), false, 0), quiet()).run();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream());
    }

    @Test
    void trainingOnTwoExecutorJvmsMatchesLocalMode() {
        TrainConfig config = plain(2);
        TrainJob.Result local;
        JavaSparkContext localContext = SparkContexts.start("local-reference", 2);
        try {
            local = train(localContext, config, dir.resolve("local"));
        } finally {
            localContext.stop();
        }
        AtomicLong largestTaskResult = new AtomicLong();
        TrainJob.Result distributed = onCluster("train", jsc -> {
            jsc.sc().addSparkListener(new SparkListener() {
                @Override
                public void onTaskEnd(SparkListenerTaskEnd end) {
                    if (end.taskMetrics() != null) {
                        largestTaskResult.accumulateAndGet(end.taskMetrics().resultSize(), Math::max);
                    }
                }
            });
            TrainJob.Result result = train(jsc, config, dir.resolve("cluster-run"));
            // one core per executor: every training step and evaluation of an executor ran on one compute thread
            // (so one set of ND4J workspaces), whichever of Spark's task threads ran its tasks
            assertThat(jsc.parallelize(List.of(0, 1, 2, 3, 4, 5, 6, 7), 8)
                    .mapPartitions(ignored -> List.of(ComputeThreads.threadsStarted()).iterator()).collect())
                    .as("compute threads started, per task of a probe job").containsOnly(1L);
            try {
                jsc.sc().listenerBus().waitUntilEmpty();
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("Spark's listener bus did not drain", e);
            }
            return result;
        });

        double localTop1 = local.metrics().get(1).testTop1();
        double clusterTop1 = distributed.metrics().get(1).testTop1();
        assertThat(clusterTop1).isGreaterThan(0.8).isCloseTo(localTop1, org.assertj.core.data.Offset.offset(0.02));
        // same partitions, seeds and averaging: the parameters agree up to float summation order
        double maxDiff = distributed.model().params().sub(local.model().params()).amaxNumber().doubleValue();
        assertThat(maxDiff).isLessThan(1e-3);
        // the rounds' arrays went through the driver's round server (the cluster's default exchange), not as task
        // results: every task returned less than a tenth of one worker's parameters and momentum
        long roundBytes = 4L * (distributed.model().params().length()
                + distributed.model().getUpdater().getStateViewArray().length());
        assertThat(largestTaskResult.get()).as("largest task result, bytes").isPositive().isLessThan(roundBytes / 10);
    }

    @Test
    void dksWithPgdAndQuantizationMasksWorkAcrossJvms() throws IOException {
        TrainConfig config = plain(2).toBuilder().supervision(Supervision.DKS)
                .adversarial(new AdversarialTraining(new Pgd(0.1, 0.05, 2, true), 0.5)).keepCheckpoints(1).build();
        Path trained = dir.resolve("dks-pgd");
        TrainJob.Result result = onCluster("dks-pgd", jsc -> train(jsc, config, trained));
        EpochMetrics last = result.metrics().get(1);
        assertThat(last.headTop1()).containsOnlyKeys("head_main", "head_aux1", "head_aux2", "heads_ensemble");
        assertThat(last.testTop1()).isGreaterThan(0.7);
        assertThat(result.metrics().get(1).trainLoss()).isLessThan(result.metrics().get(0).trainLoss());

        QuantizeConfig quantize = QuantizeConfig.builder().data(data).model(trained.resolve(RunFolder.MODEL).toString())
                .method(QuantizationMethod.INQ).bits(5).portions(List.of(0.5, 1.0)).mlqStages(2).epochsPerRound(1)
                .learningRate(0.01).workers(2).batchSizePerWorker(32).averagingFrequency(3).evalBatchSize(128).seed(5)
                .build();
        Path out = dir.resolve("inq");
        QuantizeJob.Result quantized = onCluster("inq", jsc -> {
            try {
                return new QuantizeJob(jsc, quantize, new QuantizeJob.RunOptions(out.toString(), false, 0), quiet())
                        .run();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(quantized.finished()).isTrue();
        ComputationGraph source = ModelSerializer.restoreComputationGraph(trained.resolve(RunFolder.MODEL).toFile());
        ComputationGraph end = ModelSerializer.restoreComputationGraph(out.resolve(RunFolder.MODEL).toFile());
        ComputationGraph round1 = ModelSerializer.restoreComputationGraph(
                out.resolve("checkpoints/round-0001/model.zip").toFile());
        Map<String, INDArray> original = PrunableLayers.weights(source);
        for (Map.Entry<String, INDArray> e : PrunableLayers.weights(end).entrySet()) {
            double[] codebook = InqCodebook.of(original.get(e.getKey()), 5).values();
            assertThat(Codebooks.allInCodebook(e.getValue(), codebook)).as(e.getKey()).isTrue();
            // half frozen in round 1 on the driver, kept bit for bit by the executors' masks through round 2
            INDArray frozen = ai.synergy.quantization.Partition.magnitude(original.get(e.getKey()), null, 0.5);
            INDArray before = PrunableLayers.weights(round1).get(e.getKey());
            assertThat(e.getValue().mul(frozen)).as(e.getKey()).isEqualTo(before.mul(frozen));
        }
    }

    @Test
    void aKilledExecutorCostsOnlyReRunTasks() {
        AtomicBoolean killed = new AtomicBoolean();
        AtomicInteger jobs = new AtomicInteger();
        AtomicInteger lostTasks = new AtomicInteger();
        AtomicInteger executorsRemoved = new AtomicInteger();
        AtomicInteger executorsAdded = new AtomicInteger();
        TrainJob.Result result = onCluster("kill-executor", jsc -> {
            jsc.sc().addSparkListener(new SparkListener() {
                @Override
                public void onJobStart(SparkListenerJobStart start) {
                    // a few averaging rounds into epoch 1, while the round's tasks run on both executors
                    if (jobs.incrementAndGet() == 6) {
                        new Thread(() -> {
                            sleepQuietly(300);
                            if (killed.compareAndSet(false, true)) {
                                cluster.executors().get(0).destroyForcibly();
                            }
                        }, "executor-killer").start();
                    }
                }

                @Override
                public void onTaskEnd(SparkListenerTaskEnd end) {
                    if (end.reason() instanceof ExecutorLostFailure) {
                        lostTasks.incrementAndGet();
                    }
                }

                @Override
                public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
                    executorsRemoved.incrementAndGet();
                }

                @Override
                public void onExecutorAdded(SparkListenerExecutorAdded added) {
                    executorsAdded.incrementAndGet();
                }
            });
            return train(jsc, plain(2), dir.resolve("kill-executor"));
        });
        assertThat(killed).isTrue();
        assertThat(executorsRemoved.get()).isGreaterThanOrEqualTo(1);
        assertThat(lostTasks.get()).as("tasks lost with the executor and re-run").isGreaterThanOrEqualTo(1);
        assertThat(result.finished()).isTrue();
        assertThat(result.metrics()).extracting(EpochMetrics::epoch).containsExactly(1, 2);
        assertThat(result.metrics().get(1).testTop1()).isGreaterThan(0.8);
        assertThat(Double.isFinite(result.model().params().sumNumber().doubleValue())).isTrue();
    }

    @Test
    void aDivergingLossStopsTheJobAndKeepsTheLastGoodCheckpoint() throws IOException {
        Path out = dir.resolve("diverging");
        byte[] good = onCluster("diverging", jsc -> {
            try {
                new TrainJob(jsc, plain(2), new TrainJob.RunOptions(out.toString(), false, 1), quiet()).run();
                byte[] checkpoint = Files.readAllBytes(out.resolve("checkpoints/epoch-0001/model.zip"));
                TrainConfig exploding = plain(2).toBuilder().learningRate(1e30).weightDecay(0).build();
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> new TrainJob(jsc, exploding,
                                new TrainJob.RunOptions(out.toString(), true, 0, true), quiet()).run())
                        .isInstanceOf(ai.synergy.training.TrainingDivergedException.class)
                        .hasMessageContaining("epoch 2").hasMessageContaining("epoch-0001");
                return checkpoint;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(Files.readAllBytes(out.resolve("checkpoints/epoch-0001/model.zip"))).isEqualTo(good);
        assertThat(out.resolve("checkpoints/epoch-0002")).doesNotExist();
    }

    @Test
    void aKilledDriverResumesFromItsLastCheckpointInEveryKindOfRun() throws Exception {
        // PGD + ADMM: 1 dense epoch, 2 ADMM epochs, 1 masked retraining epoch; the driver dies in the ADMM stage
        Path pruned = dir.resolve("killed-train");
        List<String> train = List.of("train", "--data", "idx:" + data.location(), "--model",
                "resnet8", "--epochs", "1", "--prune", "admm", "--ratio", "0.8", "--admm-epochs", "2",
                "--admm-interval", "1", "--retrain-epochs", "1", "--adversarial", "pgd", "--eps", "0.1",
                "--step", "0.05", "--steps", "2",
                "--lr", "0.05", "--lr-schedule", "constant", "--workers", "2", "--batch-size", "32",
                "--averaging-frequency", "3", "--out", pruned.toString());
        killWhenPresent(train, pruned.resolve("checkpoints/epoch-0002"), "train");
        assertEveryCheckpointIsComplete(pruned);
        assertThat(pruned.resolve(RunFolder.MODEL)).doesNotExist();
        int resumed = runDriver(concat(train, "--resume"), "train-resumed");
        assertThat(resumed).as("exit code of the resumed run").isZero();
        List<EpochMetrics> metrics = ai.synergy.metrics.MetricsLog.readAll(
                Files.newInputStream(pruned.resolve(RunFolder.METRICS)));
        assertThat(metrics).extracting(EpochMetrics::epoch).containsExactly(1, 2, 3, 4);
        assertThat(metrics).extracting(m -> m.pruning().stage()).containsExactly("dense", "admm", "admm", "retrain");
        assertThat(metrics.get(3).pruning().sparsity()).isGreaterThan(0.75);

        // INQ: the driver dies after round 1 of 3
        Path quantized = dir.resolve("killed-quantize");
        List<String> quantize = List.of("quantize", "--data", "idx:" + data.location(),
                "--model", pruned.resolve(RunFolder.MODEL).toString(), "--method", "inq", "--bits", "5",
                "--portions", "0.5,0.75,1", "--epochs-per-round", "1", "--workers", "2", "--batch-size", "32",
                "--averaging-frequency", "3", "--out", quantized.toString());
        killWhenPresent(quantize, quantized.resolve("checkpoints/round-0001"), "quantize");
        assertEveryCheckpointIsComplete(quantized);
        assertThat(runDriver(concat(quantize, "--resume"), "quantize-resumed")).isZero();
        assertThat(Files.readAllLines(quantized.resolve("rounds.jsonl"))).hasSize(3);
        assertThat(quantized.resolve(RunFolder.MODEL)).exists();
    }

    /** Starts a driver JVM for {@code args} and kills it (SIGKILL) as soon as {@code marker} appears. */
    static void killWhenPresent(List<String> args, Path marker, String name) throws Exception {
        Process driver = driver(args, name);
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (!Files.exists(marker) && driver.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(driver.isAlive()).as("driver still running when %s appeared; its log:%n%s", marker,
                    tail(dir.resolve(name + ".log"))).isTrue();
            assertThat(marker).exists();
        } finally {
            driver.destroyForcibly();
            driver.waitFor(30, TimeUnit.SECONDS);
        }
        // the master notices the driver is gone and stops the application's executors. Until it has removed the
        // application it may replace an executor that exited on its own ("driver disassociated"), so wait until
        // none has been seen for 5 s
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        long emptySince = -1;
        while (System.nanoTime() < deadline) {
            if (!cluster.executors().isEmpty()) {
                emptySince = -1;
            } else if (emptySince < 0) {
                emptySince = System.nanoTime();
            } else if (System.nanoTime() - emptySince > TimeUnit.SECONDS.toNanos(5)) {
                break;
            }
            Thread.sleep(200);
        }
        assertThat(cluster.executors()).as("executors of the killed driver").isEmpty();
    }

    static int runDriver(List<String> args, String name) throws Exception {
        Process driver = driver(args, name);
        try {
            assertThat(driver.waitFor(8, TimeUnit.MINUTES)).as("driver %s finished in time", name).isTrue();
            assertThat(driver.exitValue()).as("exit code of %s; its log:%n%s", name, tail(dir.resolve(name + ".log")))
                    .isZero();
            return driver.exitValue();
        } finally {
            driver.destroyForcibly();
        }
    }

    /** A driver JVM on this JVM's classpath, submitting to the loopback cluster, its output in {@code <name>.log}. */
    static Process driver(List<String> args, String name) throws IOException {
        List<String> jvmOptions = new java.util.ArrayList<>(List.of("-Xmx1500m"));
        for (scala.Tuple2<String, String> kv : cluster.applicationConf("driver-" + name, "1g", "2g").getAll()) {
            if (!kv._1().equals(LoopbackCluster.SECRET_CONF)) { // the secret goes through the environment
                jvmOptions.add("-D" + kv._1() + "=" + kv._2());
            }
        }
        List<String> command = LoopbackCluster.javaCommand(jvmOptions, LoopbackCluster.currentClasspath(),
                concat(List.of("ai.synergy.cli.SynergyCli"), args.toArray(String[]::new)));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        builder.environment().putAll(cluster.authEnvironment());
        return builder.start();
    }

    static void assertEveryCheckpointIsComplete(Path run) throws IOException {
        try (var entries = Files.list(run.resolve("checkpoints"))) {
            for (Path checkpoint : entries.filter(p -> !p.getFileName().toString().startsWith(".")).toList()) {
                assertThat(checkpoint.resolve("state.json")).as("state of %s", checkpoint).exists();
                ModelSerializer.restoreComputationGraph(checkpoint.resolve("model.zip").toFile(), true);
            }
        }
    }

    static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    static List<String> concat(List<String> args, String... more) {
        List<String> all = new java.util.ArrayList<>(args);
        all.addAll(List.of(more));
        return all;
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
