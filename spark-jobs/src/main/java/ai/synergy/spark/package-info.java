/**
 * Spark plumbing: context creation with the project's defaults, waiting for executors and unwrapping executors'
 * bad-input errors (driver); per-task set-up (executor); and the Kryo registrator both sides use.
 */
package ai.synergy.spark;
