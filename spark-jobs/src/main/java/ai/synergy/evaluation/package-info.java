/**
 * Top-1/top-5 evaluation: the driver broadcasts a model snapshot ({@link ai.synergy.evaluation.DistributedEvaluator}),
 * executors score their shares, naturally ({@link ai.synergy.evaluation.EvaluateShard}, per head for a deeply
 * supervised graph) or also under a PGD/FGSM attack ({@link ai.synergy.evaluation.AttackShard}), and only counts
 * come back.
 */
package ai.synergy.evaluation;
