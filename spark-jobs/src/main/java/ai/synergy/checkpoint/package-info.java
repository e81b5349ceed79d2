/**
 * Driver side: atomic files and epoch checkpoints with provenance on any Hadoop file system.
 */
package ai.synergy.checkpoint;
