/**
 * {@code prepare}: an ILSVRC-2012 folder layout into balanced JPEG tar shards and their manifest.
 *
 * <ul>
 * <li>Driver side: the listing of the layout without opening an image ({@link ai.synergy.prepare.IlsvrcLayout}), the
 *     options ({@link ai.synergy.prepare.PrepareOptions}), the class-stratified shard assignment
 *     ({@link ai.synergy.prepare.ShardAssignment}) and the manifest, the contract the dataset side reads
 *     ({@link ai.synergy.prepare.ShardManifest}, {@link ai.synergy.prepare.ShardResult}).</li>
 * <li>Executor side: the decoding scan of every file ({@link ai.synergy.prepare.ScanImage}) and the writer of one shard
 *     ({@link ai.synergy.prepare.WriteShard}).</li>
 * </ul>
 */
package ai.synergy.prepare;
