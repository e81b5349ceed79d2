/**
 * Both sides: files on any Hadoop file system ({@code file://}, {@code hdfs://}, {@code s3a://}) through
 * {@link ai.synergy.io.HadoopFiles}: locations as users write them (any character), atomic writes (temporary name, then
 * rename; a folder is never replaced), create-only-if-absent for locks. The driver writes run folders with it,
 * executors write shards.
 */
package ai.synergy.io;
