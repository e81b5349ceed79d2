package ai.synergy.spark;

import ai.synergy.nd4j.Nd4jRuntime;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.deeplearning4j.config.DL4JSystemProperties;
import org.deeplearning4j.spark.time.SystemClockTimeSource;

import java.util.OptionalInt;

/**
 * Executor side: what every task does before touching ND4J. Turns DL4J's layer helpers on, gives ND4J as many
 * native threads as the task has cores ({@code spark.task.cpus}), so {@code local[N]} and multi-core executors never
 * oversubscribe, and on the CUDA backend puts the task's thread on the GPU Spark assigned to the task
 * ({@code spark.task.resource.gpu.amount}), so tasks sharing a multi-GPU executor never share a GPU. It also runs a
 * garbage collection at most every {@value #GC_WINDOW_KEY} ms (default 10 s), which frees the native memory of
 * ND4J arrays the heap no longer references and keeps executors' resident memory bounded.
 */
public final class ExecutorSetup {
    /** Spark setting: a task starting this many ms after an executor's last collection runs a GC first (0 = off). */
    public static final String GC_WINDOW_KEY = "spark.synergy.executor.gcWindowMs";
    /** Default of {@link #GC_WINDOW_KEY}. */
    public static final long DEFAULT_GC_WINDOW_MS = 10_000;

    /** Spark's resource name for GPUs. */
    public static final String GPU = "gpu";

    private ExecutorSetup() {
    }

    /**
     * Idempotent; cheap enough to call at the start of every partition function, and {@link ComputeThreads} calls it
     * on the compute thread before the first work it runs for each task (the OpenMP limit and the GPU are settings of
     * the calling thread).
     */
    public static void forCurrentTask() {
        Nd4jRuntime.enableLayerHelpers();
        useSystemClockForTrainingStats();
        TaskContext task = TaskContext.get();
        int cores = task != null ? task.cpus() : Runtime.getRuntime().availableProcessors();
        Nd4jRuntime.configureThreads(Math.max(1, cores));
        SparkEnv env = SparkEnv.get();
        Nd4jRuntime.collectGarbageIfDue(env == null ? DEFAULT_GC_WINDOW_MS
                : env.conf().getLong(GC_WINDOW_KEY, DEFAULT_GC_WINDOW_MS));
        assignedGpu(task).ifPresent(Nd4jRuntime::useDevice);
    }

    /**
     * Both sides: dl4j-spark's training statistics (the epoch time split) take their time stamps from the local clock
     * instead of its default, an NTP query to a public server (which clusters without internet access fail, and which
     * the project never makes). Keeps a source the user set with the same system property.
     */
    public static void useSystemClockForTrainingStats() {
        if (System.getProperty(DL4JSystemProperties.TIMESOURCE_CLASSNAME_PROPERTY) == null) {
            System.setProperty(DL4JSystemProperties.TIMESOURCE_CLASSNAME_PROPERTY,
                    SystemClockTimeSource.class.getName());
        }
    }

    /** The first GPU address Spark gave the task (its {@code gpu} resource), if the task has one. */
    public static OptionalInt assignedGpu(TaskContext task) {
        if (task == null) {
            return OptionalInt.empty();
        }
        scala.Option<ResourceInformation> gpu = task.resources().get(GPU);
        if (gpu.isEmpty() || gpu.get().addresses().length == 0) {
            return OptionalInt.empty();
        }
        String address = gpu.get().addresses()[0];
        try {
            return OptionalInt.of(Integer.parseInt(address.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("GPU address '" + address + "' from Spark's resource discovery is not a "
                    + "device number; the discovery script must print CUDA device indexes", e);
        }
    }
}
