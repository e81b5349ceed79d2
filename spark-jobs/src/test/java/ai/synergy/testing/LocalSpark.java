package ai.synergy.testing;

import ai.synergy.spark.SparkContexts;
import org.apache.spark.api.java.JavaSparkContext;

/** The shared Spark test fixture: a fixed {@code local[2]} context on 127.0.0.1, named after the test class. */
public final class LocalSpark {
    private LocalSpark() {
    }

    /** A started context; stop it in {@code @AfterAll}. */
    public static JavaSparkContext start(Class<?> testClass) {
        return SparkContexts.start(testClass.getSimpleName(), 2);
    }
}
