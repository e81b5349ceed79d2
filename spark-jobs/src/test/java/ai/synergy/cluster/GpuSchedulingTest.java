package ai.synergy.cluster;

import ai.synergy.spark.ExecutorSetup;
import ai.synergy.spark.SparkContexts;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spark's GPU scheduling on a loopback cluster whose worker advertises two GPUs (a discovery script that lists them;
 * this machine has none): every task learns its own GPU from its resources, tasks running at the same time never
 * share one, and the executor set-up accepts the assignment (on the CPU backend it has nothing to switch).
 */
@Tag("integration")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GpuSchedulingTest {
    @TempDir
    static Path dir;

    /** One task's GPU and when it ran. */
    record TaskGpu(int gpu, long start, long end) {
    }

    @Test
    void concurrentTasksEachGetTheirOwnGpu() throws IOException {
        Path discovery = dir.resolve("gpus.sh");
        Files.writeString(discovery, "#!/usr/bin/env bash\necho '{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\"]}'\n");
        Files.setPosixFilePermissions(discovery, PosixFilePermissions.fromString("rwxr-xr-x"));
        LoopbackCluster.Options options = new LoopbackCluster.Options(1, 2, "2g", dir.resolve("cluster"),
                LoopbackCluster.currentClasspath(), Map.of("spark.worker.resource.gpu.amount", "2",
                "spark.worker.resource.gpu.discoveryScript", discovery.toString()), Duration.ofSeconds(120));
        try (LoopbackCluster cluster = LoopbackCluster.start(options)) {
            SparkConf conf = SparkContexts.withDefaults(cluster.applicationConf("gpu-scheduling", "1g", "1g"), 1)
                    .set("spark.executor.resource.gpu.amount", "2")
                    .set("spark.task.resource.gpu.amount", "1");
            JavaSparkContext jsc = SparkContexts.start(conf);
            List<TaskGpu> tasks = new java.util.ArrayList<>();
            try {
                // (gpu, start, end) as long[]: the executors and this JVM share the clock of one machine
                jsc.parallelize(List.of(0, 1, 2, 3, 4, 5, 6, 7), 8).mapPartitions(ignored -> {
                    long start = System.currentTimeMillis();
                    ExecutorSetup.forCurrentTask();
                    OptionalInt gpu = ExecutorSetup.assignedGpu(TaskContext.get());
                    Thread.sleep(400);
                    return List.of(new long[]{gpu.orElse(-1), start, System.currentTimeMillis()}).iterator();
                }).collect().forEach(t -> tasks.add(new TaskGpu((int) t[0], t[1], t[2])));
            } finally {
                jsc.stop();
            }
            assertThat(tasks).hasSize(8).extracting(TaskGpu::gpu).containsOnly(0, 1).contains(0, 1);
            for (TaskGpu a : tasks) {
                for (TaskGpu b : tasks) {
                    boolean overlap = a != b && a.start() < b.end() && b.start() < a.end();
                    if (overlap) {
                        assertThat(a.gpu()).as("tasks running at the same time").isNotEqualTo(b.gpu());
                    }
                }
            }
        }
    }
}
