/**
 * Training configuration and the round-by-round parameter-averaging master (driver side).
 */
package ai.synergy.training;
