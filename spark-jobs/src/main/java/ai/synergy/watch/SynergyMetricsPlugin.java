package ai.synergy.watch;

import com.codahale.metrics.MetricRegistry;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

import java.util.Map;

/**
 * The training gauges ({@link Gauge}) in Spark's metrics system: with {@code spark.plugins} naming this class, the
 * driver registers one gauge per {@link Gauge} under the source {@code plugin.ai.synergy.watch.SynergyMetricsPlugin},
 * read from {@link RunGauges} whenever a sink polls (the Prometheus servlet on the driver's UI serves them at
 * {@code /metrics/prometheus}). Nothing runs on the executors.
 */
public final class SynergyMetricsPlugin implements SparkPlugin {
    @Override
    public DriverPlugin driverPlugin() {
        return new DriverPlugin() {
            @Override
            public Map<String, String> init(SparkContext sc, PluginContext pluginContext) {
                return Map.of();
            }

            @Override
            public void registerMetrics(String appId, PluginContext pluginContext) {
                register(pluginContext.metricRegistry());
            }
        };
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return null;
    }

    /** Registers one gauge per {@link Gauge}, each reading {@link RunGauges}. */
    static void register(MetricRegistry registry) {
        for (Gauge gauge : Gauge.values()) {
            registry.register(gauge.metricName(), (com.codahale.metrics.Gauge<Double>) () -> RunGauges.get(gauge));
        }
    }
}
