/**
 * A Spark standalone cluster on 127.0.0.1 (master, workers and executors as separate JVMs) for multi-JVM tests and
 * for trying the jobs on one machine before a real cluster.
 */
package ai.synergy.cluster;
