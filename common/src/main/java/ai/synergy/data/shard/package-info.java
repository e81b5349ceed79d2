/** The on-disk format of prepared data sets: WebDataset-style tar shards, their offset indexes and the manifest. */
package ai.synergy.data.shard;
