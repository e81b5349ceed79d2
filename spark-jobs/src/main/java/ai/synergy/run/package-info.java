/**
 * Driver side: the output folder of a {@code train} or {@code quantize} run and its guarantees. A run folder is marked
 * as one ({@link ai.synergy.run.RunFolder#MARKER}), holds a lock while a job writes to it ({@link ai.synergy.run.RunLock}),
 * and is refused when it holds anything synergy did not write; every state a killed job can leave is continued by one
 * command, which the messages name. A job that writes its output whole (such as {@code predict}) writes it under a
 * temporary name and renames it ({@link ai.synergy.run.OutputFolder}), under the same refusals.
 */
package ai.synergy.run;
