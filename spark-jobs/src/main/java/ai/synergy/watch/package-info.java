/**
 * Watching a run while it trains (driver side): {@link ai.synergy.watch.RunWatch} takes every averaging round's and
 * every epoch's or quantization round's figures from the run loop and writes them as TensorBoard scalars to an event
 * file in the run folder and into {@link ai.synergy.watch.RunGauges}, the driver's process-wide holder that
 * {@link ai.synergy.watch.SynergyMetricsPlugin} (a Spark plugin, on with {@code spark.plugins}) serves as gauges of
 * Spark's metrics system (Prometheus, JMX, ...).
 */
package ai.synergy.watch;
