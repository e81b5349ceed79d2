/**
 * Files on any Hadoop file system: atomic writes (temporary name, then rename) with
 * {@link ai.synergy.checkpoint.HadoopFiles}, used by the driver and by executors writing shards; and, on the driver,
 * numbered checkpoints of training epochs and quantization rounds with their provenance
 * ({@link ai.synergy.checkpoint.CheckpointStore}) and driver state files that reading cannot turn into code
 * ({@link ai.synergy.checkpoint.StateFile}).
 */
package ai.synergy.checkpoint;
