/**
 * Spark ML: {@link ai.synergy.ml.SynergyClassifierModel}, a trained synergy classifier as a {@code Model} whose
 * {@code transform} scores a DataFrame column of image bytes on the executors, with the code of {@code predict}.
 */
package ai.synergy.ml;
