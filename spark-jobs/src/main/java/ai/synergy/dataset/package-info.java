/**
 * A job's data, split into one share per worker and turned into minibatches on the executors.
 *
 * <ul>
 * <li>Driver side: the data set as a user names it, with its defaults and checks
 *     ({@link ai.synergy.dataset.DataSource}); what the data is once resolved ({@link ai.synergy.dataset.DataSpec}:
 *     IDX or prepared shards, with its input pipeline) and the persisted per-worker shares of a run ({@link ai.synergy.dataset.ShardedDataset}).</li>
 * <li>Executor side: loading a worker's share from the shared file system, IDX
 *     ({@link ai.synergy.dataset.LoadIdxShard}) or JPEG shards checked against their manifest
 *     ({@link ai.synergy.dataset.LoadJpegShards}, {@link ai.synergy.dataset.ShardVerifier}); each averaging round's
 *     minibatches, decoded and augmented where the shard is read ({@link ai.synergy.dataset.RoundBatches},
 *     {@link ai.synergy.dataset.JpegBatchSource}).</li>
 * </ul>
 */
package ai.synergy.dataset;
