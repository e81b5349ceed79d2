/**
 * ND4J process set-up: layer helpers (oneDNN, and our own CPU batch-norm helper), native thread limits, a report of the
 * active build, and arrays packed as byte blocks for fast serialization.
 */
package ai.synergy.nd4j;
