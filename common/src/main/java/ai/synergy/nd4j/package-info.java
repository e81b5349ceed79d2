/**
 * ND4J process set-up: layer helpers (oneDNN), native thread limits, and a report of the active build.
 */
package ai.synergy.nd4j;
