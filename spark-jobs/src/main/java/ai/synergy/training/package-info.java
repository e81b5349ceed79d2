/**
 * Parameter-averaging training, one averaging round (one Spark job) at a time, and the configuration records of
 * {@code train} and {@code quantize}.
 *
 * <ul>
 * <li>Driver side: {@link ai.synergy.training.RoundTrainingMaster} (dl4j-spark's parameter-averaging master driven
 *     round by round, its arrays travelling as {@link ai.synergy.training.RoundExchange} says: through an
 *     {@link ai.synergy.training.OpenRound}, the cluster's {@link ai.synergy.training.RoundServer} or local mode's
 *     in-JVM round, or through Spark),
 *     {@link ai.synergy.training.EpochTrainer} and {@link ai.synergy.training.RoundPlan}; the
 *     compression stages {@link ai.synergy.training.PruningStages} (ADMM, hard pruning, masks) and
 *     {@link ai.synergy.training.QuantizationRounds} with SLQ's {@link ai.synergy.training.LossEffectScores}; the
 *     epoch's {@link ai.synergy.training.EpochTimeSplit}; the constraint the executors apply
 *     ({@link ai.synergy.training.ConstraintBroadcast}).</li>
 * <li>Executor side: {@link ai.synergy.training.RoundTrainingWorker} and its per-JVM network pool (an
 *     {@code IdlePool}), and the training hooks that run around every minibatch fit,
 *     {@link ai.synergy.training.AdversarialHook} (PGD examples, on a pooled input-gradient copy: a
 *     {@code RoundScopedHook}) and
 *     {@link ai.synergy.training.WeightConstraintHook} (ADMM's proximal term, pruning masks, frozen quantized
 *     weights); a round's task side outside Spark's results: {@link ai.synergy.training.RoundClient} (fetching the
 *     driver's arrays, sending the result) and {@link ai.synergy.training.RoundDeposit}.</li>
 * <li>Both: local mode's in-JVM hand-over of a round's arrays and results ({@link ai.synergy.training.InJvmRounds},
 *     {@link ai.synergy.training.RoundArrays}); the round server's wire format ({@link ai.synergy.training.RoundWire}); {@link ai.synergy.training.LearningRates}, set in place on both sides;
 *     the records that are broadcast or saved as provenance ({@link ai.synergy.training.RoundParameters},
 *     {@link ai.synergy.training.TrainConfig}, {@link ai.synergy.training.QuantizeConfig}, built from their defaults
 *     by their builders, which share {@link ai.synergy.training.AveragedRunBuilder} and
 *     {@link ai.synergy.training.Averaging}'s defaults) and the state records
 *     saved with every checkpoint ({@link ai.synergy.training.CheckpointState},
 *     {@link ai.synergy.training.QuantizeState}).</li>
 * </ul>
 * See docs/architecture.md, "One averaging round".
 */
package ai.synergy.training;
