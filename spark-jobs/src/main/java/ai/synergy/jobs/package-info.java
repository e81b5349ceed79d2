/**
 * Driver side of each job (train, evaluate): orchestration, progress, outputs.
 */
package ai.synergy.jobs;
