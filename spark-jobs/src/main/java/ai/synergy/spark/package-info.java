/**
 * Spark plumbing: context creation with the project's defaults, waiting for executors and unwrapping executors'
 * bad-input errors (driver); per-task set-up and the compute threads that run the tasks' ND4J work (executor); and
 * the Kryo registrator both sides use, with the packed serializer of every averaging round's task result.
 */
package ai.synergy.spark;
