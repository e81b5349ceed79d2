package ai.synergy.training;

import ai.synergy.quantization.ClusteredLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Driver side: SLQ's partition criterion, the effect of quantizing a cluster on the loss (Xu et al., AAAI 2018,
 * "Deep Neural Network Compression with Single and Multiple Level Quantization": clusters are split into a
 * quantized and a re-trained group by their effect on the loss). For every not-yet-quantized cluster of a layer its
 * free members are set to the centroid, the network's cross-entropy on a fixed probe minibatch is measured
 * (inference mode), and the weights are put back; the score is the loss increase, and the clusters of lowest score
 * are quantized first. One forward pass per cluster, run inside a workspace of its own so that the passes leave no
 * off-heap garbage behind (DL4J's {@code score} allocates its activations outside workspaces).
 */
public final class LossEffectScores {
    private static final String WORKSPACE = "SYNERGY_SLQ_LOSS_EFFECT";
    private static final WorkspaceConfiguration WORKSPACE_CONFIG = WorkspaceConfiguration.builder()
            .initialSize(0).overallocationLimit(0.2).policyAllocation(AllocationPolicy.OVERALLOCATE)
            .policyLearning(LearningPolicy.FIRST_LOOP).build();

    private final ComputationGraph network;
    private final MultiDataSet probe;

    /** Scores against {@code network}'s current weights on {@code probe} (e.g. a few hundred training examples). */
    public LossEffectScores(ComputationGraph network, MultiDataSet probe) {
        this.network = network;
        this.probe = probe;
    }

    /** The loss increase of quantizing each cluster of {@code clusters} alone; 0 for quantized clusters. */
    public double[] scores(ClusteredLayer clusters, INDArray weights) {
        double[] original = weights.dup('c').data().asDouble();
        int[] assignment = clusters.assignment();
        double[] centroids = clusters.centroids();
        double[] frozen = clusters.frozenMask().dup('c').data().asDouble();
        double base = crossEntropy();
        double[] scores = new double[centroids.length];
        for (int c = 0; c < centroids.length; c++) {
            if (clusters.isQuantized(c)) {
                continue;
            }
            double[] trial = original.clone();
            boolean any = false;
            for (int i = 0; i < trial.length; i++) {
                if (assignment[i] == c && frozen[i] == 0) {
                    trial[i] = centroids[c];
                    any = true;
                }
            }
            if (any) {
                weights.assign(Nd4j.create(trial, weights.shape(), 'c').castTo(weights.dataType()));
                scores[c] = crossEntropy() - base;
            }
        }
        weights.assign(Nd4j.create(original, weights.shape(), 'c').castTo(weights.dataType()));
        return scores;
    }

    /** Mean cross-entropy of the softmax outputs on the probe, every array inside the workspace. */
    private double crossEntropy() {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE_CONFIG, WORKSPACE)) {
            INDArray p = network.output(false, ws, probe.getFeatures(0))[0];
            INDArray y = probe.getLabels(0).castTo(p.dataType());
            double sum = Transforms.log(Transforms.max(p, 1e-12, true), false).muli(y).sumNumber().doubleValue();
            return -sum / p.size(0);
        }
    }
}
