/**
 * Per-epoch and per-round metrics records, their JSON-lines logs, and the PNG charts.
 */
package ai.synergy.metrics;
