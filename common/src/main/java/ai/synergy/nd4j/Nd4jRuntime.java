package ai.synergy.nd4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Process-wide ND4J set-up shared by the driver and the executors: layer helpers, native threads, and a report of
 * which ND4J build and which DL4J layer helpers are active.
 */
public final class Nd4jRuntime {
    /** DL4J M2.1 keeps every oneDNN/cuDNN layer helper off unless this system property is "false". */
    public static final String HELPERS_DISABLE_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";

    private static volatile int configuredThreads = -1;
    private static final AtomicLong LAST_GC_NANOS = new AtomicLong();
    /** OpenMP's thread count is a per-thread setting: every thread that runs a task's ND4J work sets it. */
    private static final ThreadLocal<Integer> THREAD_OMP = ThreadLocal.withInitial(() -> -1);

    private Nd4jRuntime() {
    }

    /**
     * Turns DL4J's layer helpers on for this JVM. Must run before the first network is built; it is also passed to
     * every JVM as {@code -D} by bin/synergy and cluster-conf, this call covers embedders that forgot.
     */
    public static void enableLayerHelpers() {
        if (System.getProperty(HELPERS_DISABLE_PROPERTY) == null) {
            System.setProperty(HELPERS_DISABLE_PROPERTY, "false");
        }
    }

    /**
     * Limits ND4J's native threads (its own pool, OpenMP and BLAS) to {@code threads}, so that N concurrent Spark tasks
     * in one executor use N x threads cores and never oversubscribe. The ND4J limits are process-wide; the OpenMP
     * limit (oneDNN's threads) applies to the calling thread, so every thread that runs a task's ND4J work calls this.
     * Cheap when repeated.
     */
    public static void configureThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (configuredThreads != threads) {
            synchronized (Nd4jRuntime.class) {
                Nd4j.getEnvironment().setMaxThreads(threads);
                Nd4j.getEnvironment().setMaxMasterThreads(threads);
                configuredThreads = threads;
            }
        }
        if (THREAD_OMP.get() != threads) {
            NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
            THREAD_OMP.set(threads);
        }
    }

    /**
     * Makes the calling thread run on CUDA device {@code device} (as numbered inside this process). A no-op on the
     * CPU backend. When the process sees exactly one device (a YARN or Kubernetes container that isolates the GPU it
     * was given), that device is used whatever number the cluster gave it.
     *
     * @return the device the thread now uses, or -1 on the CPU backend
     * @throws IllegalStateException when the device is not visible to ND4J
     */
    public static int useDevice(int device) {
        if (Nd4j.getEnvironment().isCPU()) {
            return -1;
        }
        int visible = Nd4j.getAffinityManager().getNumberOfDevices();
        int chosen = visible == 1 ? 0 : device;
        if (chosen < 0 || chosen >= visible) {
            throw new IllegalStateException("GPU " + device + " was assigned to this task but ND4J sees " + visible
                    + " CUDA device(s); check CUDA_VISIBLE_DEVICES and the cluster's GPU discovery script");
        }
        if (Nd4j.getAffinityManager().getDeviceForCurrentThread() != chosen) {
            Nd4j.getAffinityManager().unsafeSetDevice(chosen);
        }
        return chosen;
    }

    /**
     * Runs {@code System.gc()} if the last one this method ran is at least {@code windowMillis} ago (0 = never), and
     * says whether it did. ND4J's arrays outside workspaces are freed only when the JVM collects their Java objects; on
     * an executor the heap fills slowly (the data lives off-heap), so without a collection now and then the native
     * memory of every averaging round's network copy lingers and resident memory keeps growing. Called at the start of
     * every task: at most one collection per window per JVM.
     */
    public static boolean collectGarbageIfDue(long windowMillis) {
        if (windowMillis <= 0) {
            return false;
        }
        long now = System.nanoTime();
        long last = LAST_GC_NANOS.get();
        if (last != 0 && now - last < windowMillis * 1_000_000L) {
            return false;
        }
        if (!LAST_GC_NANOS.compareAndSet(last, now)) {
            return false;
        }
        System.gc();
        return true;
    }

    /** Threads last set by {@link #configureThreads}, or -1. */
    public static int configuredThreads() {
        return configuredThreads;
    }

    /** True when the loaded native build has oneDNN and DL4J's oneDNN check sees it (needs the Nd4jCpu shim). */
    public static boolean oneDnnAvailable() {
        return BaseMKLDNNHelper.mklDnnEnabled();
    }

    /** Layer name -> helper class simple name, for every layer that has a helper slot (conv, batch norm, ...). */
    public static Map<String, String> layerHelpers(ComputationGraph graph) {
        Map<String, String> helpers = new TreeMap<>();
        for (Layer layer : graph.getLayers()) {
            LayerHelper helper = helperOf(layer);
            String name = layer.conf().getLayer().getLayerName();
            if (helper != null) {
                helpers.put(name, helper.getClass().getSimpleName());
            } else if (layer instanceof ConvolutionLayer
                    || layer instanceof BatchNormalization) {
                helpers.put(name, "none");
            }
        }
        return helpers;
    }

    /** Helper class -> number of layers using it, e.g. {@code {MKLDNNBatchNormHelper=9, MKLDNNConvHelper=9}}. */
    public static Map<String, Long> helperSummary(ComputationGraph graph) {
        Map<String, Long> counts = new TreeMap<>();
        layerHelpers(graph).values().forEach(helper -> counts.merge(helper, 1L, Long::sum));
        return counts;
    }

    private static LayerHelper helperOf(Layer layer) {
        if (layer instanceof ConvolutionLayer conv) {
            return conv.getHelper();
        }
        if (layer instanceof BatchNormalization bn) {
            return bn.getHelper();
        }
        return layer.getHelper();
    }

    /** One line for the log: backend, native build flags, threads, helper state. */
    public static String describe() {
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        return "ND4J backend=" + env.getProperty("backend")
                + " blas=" + env.getProperty("blas.vendor")
                + " cores=" + env.getProperty("cores")
                + " threads=" + Nd4j.getEnvironment().maxThreads()
                + " oneDNN=" + oneDnnAvailable()
                + " helpersAllowed=" + Nd4j.getEnvironment().helpersAllowed()
                + " " + HELPERS_DISABLE_PROPERTY + "=" + System.getProperty(HELPERS_DISABLE_PROPERTY);
    }
}
