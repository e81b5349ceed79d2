/**
 * Image pipeline (no Spark, no ND4J), run on the executors: decode JPEG/PNG/GIF/BMP bytes, antialiased resampling, the
 * ImageNet training and evaluation crops into planar float tensors, and JPEG encoding for {@code prepare}.
 */
package ai.synergy.data.image;
