package ai.synergy.nd4j;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The process-wide ND4J settings the executors apply at every task. */
class Nd4jRuntimeTest {
    @Test
    void garbageIsCollectedAtMostOncePerWindow() throws InterruptedException {
        assertThat(Nd4jRuntime.collectGarbageIfDue(0)).as("window 0 is off").isFalse();
        Nd4jRuntime.collectGarbageIfDue(1);
        Thread.sleep(5);
        assertThat(Nd4jRuntime.collectGarbageIfDue(1)).as("5 ms after the last, 1 ms window").isTrue();
        assertThat(Nd4jRuntime.collectGarbageIfDue(60_000)).as("within a 60 s window").isFalse();
        Thread.sleep(5);
        assertThat(Nd4jRuntime.collectGarbageIfDue(1)).as("window passed").isTrue();
    }

    @Test
    void threadsAreBoundedBelowAndTheCpuBackendHasNoDeviceToSwitch() {
        assertThatThrownBy(() -> Nd4jRuntime.configureThreads(0)).hasMessageContaining(">= 1");
        Nd4jRuntime.configureThreads(1);
        assertThat(Nd4jRuntime.configuredThreads()).isEqualTo(1);
        assertThat(Nd4jRuntime.useDevice(3)).as("CPU backend: no device").isEqualTo(-1);
    }
}
