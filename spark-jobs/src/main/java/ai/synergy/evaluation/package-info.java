/**
 * Top-1/top-5 evaluation: the driver broadcasts a model snapshot, executors score their shards (EvaluateShard).
 */
package ai.synergy.evaluation;
