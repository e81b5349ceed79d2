/**
 * Data on the executors: shards loaded from the shared file system and cached (LoadIdxShard), and each averaging round's minibatches built from them (RoundBatches).
 */
package ai.synergy.sharding;
