/**
 * Spark plumbing: context creation with the project's defaults (driver) and per-task set-up (executor).
 */
package ai.synergy.spark;
