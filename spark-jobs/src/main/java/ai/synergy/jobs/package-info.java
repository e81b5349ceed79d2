/**
 * Driver side of each command that runs a job: {@code train}, {@code evaluate}, {@code quantize}, {@code prepare}
 * (orchestration, progress, outputs) and {@code convert} (no Spark), plus the run outputs and the {@code report.md}
 * that {@code synergy report} regenerates.
 */
package ai.synergy.jobs;
