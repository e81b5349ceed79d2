/**
 * Scoring images with a trained model, for {@code predict} and the Spark ML transformer.
 *
 * <ul>
 * <li>Driver side: the model read and checked against what it is asked to score
 *     ({@link ai.synergy.prediction.ScoringModel}, a DL4J model or an ONNX file: input channels and size, class
 *     names) and the settings shipped to the tasks ({@link ai.synergy.prediction.Scoring}); the columns of the output
 *     ({@link ai.synergy.prediction.PredictionRows}).</li>
 * <li>Both sides: the network broadcast to the tasks ({@link ai.synergy.prediction.ScoringNetwork}: DL4J
 *     configuration and parameters, or the ONNX file's bytes) and what it opens into (a {@code Classifier}: DL4J, or
 *     an ONNX Runtime session).</li>
 * <li>Executor side: one scoring path ({@link ai.synergy.prediction.ImageScorer}: decode, evaluation crop, a forward
 *     pass per minibatch, top classes; a bad image gets its reason and never stops the task), fed by image files
 *     ({@link ai.synergy.prediction.ScoreFiles}), prepared shards ({@link ai.synergy.prediction.ScoreShards}) or a
 *     DataFrame column of image bytes ({@link ai.synergy.prediction.ScoreColumn}).</li>
 * </ul>
 */
package ai.synergy.prediction;
