/**
 * Incremental weight quantization, pure ND4J (no Spark): a layer's weights are quantized a portion at a time, the
 * quantized ones frozen at exact codebook values while the rest retrain (docs/methods.md sections 3 and 4).
 *
 * <ul>
 * <li>INQ (Zhou et al., ICLR 2017, arXiv:1702.03044): the power-of-two codebook and rounding rule
 *     ({@link ai.synergy.quantization.InqCodebook}), the magnitude and random weight partitions
 *     ({@link ai.synergy.quantization.Partition}) and the accumulated portions per round
 *     ({@link ai.synergy.quantization.PortionSchedule}).</li>
 * <li>SLQ / MLQ (Xu et al., AAAI 2018, arXiv:1803.03289): clustered layers quantized cluster by cluster
 *     ({@link ai.synergy.quantization.ClusteredLayer}): k-means codebooks ({@link ai.synergy.quantization.SlqLayer}),
 *     ternary codebooks ({@link ai.synergy.quantization.TernaryLayer}), the cross-layer cluster ranking
 *     ({@link ai.synergy.quantization.ClusterRanking}) and the layer-wise stages
 *     ({@link ai.synergy.quantization.LayerStages}).</li>
 * <li>Shared: the frozen weights kept bit-exact through training and parameter averaging
 *     ({@link ai.synergy.quantization.FrozenWeights}), codebook checks
 *     ({@link ai.synergy.quantization.Codebooks}) and the compact export of a quantized network as b-bit codes
 *     ({@link ai.synergy.quantization.CompactModel}).</li>
 * </ul>
 *
 * <p>Pruned models: pass the pruning stage's pruned weights (1 = pruned, each exactly 0) as the {@code pruned} mask;
 * they are frozen at 0 from the first round and the portions count only the other weights. Positions are flat indices
 * in C order of the logical shape, whatever the storage order; every array returned keeps the weights' data type.
 */
package ai.synergy.quantization;
