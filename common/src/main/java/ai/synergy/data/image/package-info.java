/**
 * Executor-side image pipeline (no Spark, no ND4J): decode JPEG/PNG/GIF/BMP bytes, antialiased resampling, and the
 * ImageNet training and evaluation crops into planar float tensors.
 */
package ai.synergy.data.image;
