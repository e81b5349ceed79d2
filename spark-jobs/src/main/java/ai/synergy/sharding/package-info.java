/**
 * Data sets split into one share per worker, and the {@code prepare} pipeline that writes JPEG shards.
 *
 * <ul>
 * <li>Driver side: {@link ai.synergy.sharding.ShardedDataset} (the persisted per-worker shares of a run);
 *     for {@code prepare}, the listing of the ILSVRC layout ({@link ai.synergy.sharding.IlsvrcLayout}), the balanced
 *     class-stratified shard assignment ({@link ai.synergy.sharding.ShardAssignment}) and
 *     {@link ai.synergy.sharding.ShardManifest}.</li>
 * <li>Executor side: loading a worker's share from the shared file system, IDX
 *     ({@link ai.synergy.sharding.LoadIdxShard}) or JPEG shard indexes checked against the manifest
 *     ({@link ai.synergy.sharding.LoadJpegShards}); each averaging round's minibatches built from it
 *     ({@link ai.synergy.sharding.RoundBatches}); and {@code prepare}'s two passes, the decoding scan
 *     ({@link ai.synergy.sharding.ScanImage}) and the shard writer ({@link ai.synergy.sharding.WriteShard}).</li>
 * </ul>
 */
package ai.synergy.sharding;
