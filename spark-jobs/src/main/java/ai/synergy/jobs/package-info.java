/**
 * Driver side of each command that runs a job: {@code train}, {@code evaluate}, {@code quantize}, {@code prepare},
 * {@code predict} (orchestration, progress, outputs), {@code convert} and {@code export} (no Spark), plus the run
 * outputs and the {@code report.md} that {@code synergy report} regenerates. {@link ai.synergy.jobs.SavedModel} reads a
 * model as users name it (a model.zip, a run or checkpoint folder, a compact model) with its provenance. {@code train} and {@code quantize} share one run loop,
 * {@link ai.synergy.jobs.DriverRun} (claim the run folder, start or resume, load the data, step, checkpoint, stop,
 * finish); {@link ai.synergy.jobs.TrainJob} and {@link ai.synergy.jobs.QuantizeJob} hold only their own steps and
 * exports. {@code Provenance} is what every checkpoint and prepared data set records besides its settings.
 */
package ai.synergy.jobs;
