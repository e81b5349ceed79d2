package org.nd4j.nativeblas;

/**
 * Compatibility shim for DL4J 1.0.0-M2.1: {@code BaseMKLDNNHelper.mklDnnEnabled()} looks up
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment.isUseMKLDNN()} by reflection, but ND4J M2.1 moved that class to
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu} and renamed the method {@code isUseONEDNN}. Without this
 * class DL4J silently runs conv and batch norm without oneDNN (about 8x slower on CPU).
 * See docs/architecture.md, "Stack" ("The ND4J CPU build").
 */
public final class Nd4jCpu {
    private Nd4jCpu() {
    }

    /** The old-named environment class that DL4J's helper check reflects on. */
    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        /** Same shape as the old binding's accessor. */
        public static Environment getInstance() {
            return INSTANCE;
        }

        /** Forwards to the renamed native flag; false on a backend without the CPU bindings (CUDA). */
        public boolean isUseMKLDNN() {
            try {
                Class<?> env = Class.forName("org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment");
                Object instance = env.getMethod("getInstance").invoke(null);
                return (boolean) env.getMethod("isUseONEDNN").invoke(instance);
            } catch (ReflectiveOperationException | LinkageError e) {
                return false;
            }
        }
    }
}
