/**
 * Driver side: numbered checkpoints of training epochs and quantization rounds with their state record, written whole
 * or not at all ({@link ai.synergy.checkpoint.CheckpointStore}), and driver state files that reading cannot turn into
 * code ({@link ai.synergy.checkpoint.StateFile}).
 */
package ai.synergy.checkpoint;
