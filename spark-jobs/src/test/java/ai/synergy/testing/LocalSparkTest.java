package ai.synergy.testing;

import ai.synergy.spark.SparkContexts;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * The shared Spark test fixture: a fixed {@code local[2]} context on 127.0.0.1 named after the test class, started
 * before the subclass's own {@code @BeforeAll} and stopped after its last test, plus a temporary folder for the class.
 */
public abstract class LocalSparkTest {
    /** A temporary folder for the test class. */
    @TempDir
    protected static Path dir;
    /** The running context. */
    protected static JavaSparkContext jsc;

    @BeforeAll
    static void startSpark(TestInfo test) {
        jsc = SparkContexts.start(test.getTestClass().map(Class::getSimpleName).orElse("test"), 2);
    }

    @AfterAll
    static void stopSpark() {
        if (jsc != null) {
            jsc.stop();
            jsc = null;
        }
    }
}
