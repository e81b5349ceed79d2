/**
 * Outside anchor for the DL4J training throughput: the project's ResNets trained with DJL + PyTorch on CPU.
 */
package ai.synergy.bench.anchor;
