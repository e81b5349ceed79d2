/**
 * Per-epoch metrics records, their JSON-lines log, and the PNG curves plot.
 */
package ai.synergy.metrics;
