/**
 * Exports of trained networks to other runtimes: {@link ai.synergy.export.OnnxExport} translates a DL4J
 * {@code ComputationGraph} (the ResNets of {@code ai.synergy.model}, their DKS, pruned and quantized variants) into an
 * ONNX model with the normalisation inside, batch norm in inference form and a dynamic batch dimension. See
 * docs/deploy.md.
 */
package ai.synergy.export;
