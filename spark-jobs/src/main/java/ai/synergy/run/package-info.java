/**
 * Driver side: the output folder of a {@code train} or {@code quantize} run and its guarantees. A run folder is marked
 * as one ({@link ai.synergy.run.RunFolder#MARKER}), holds a lock while a job writes to it ({@link ai.synergy.run.RunLock}),
 * and is refused when it holds anything synergy did not write; every state a killed job can leave is continued by one
 * command, which the messages name.
 */
package ai.synergy.run;
