/**
 * The on-disk format of prepared data sets: WebDataset-style tar shards and their offset indexes. (The manifest that
 * lists them is {@code ai.synergy.sharding.ShardManifest}, on the Spark side.)
 */
package ai.synergy.data.shard;
