package ai.synergy.quantization;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One layer's weights grouped into clusters, each with a centroid, quantized a few clusters at a time (SLQ / MLQ,
 * Xu et al., AAAI 2018, arXiv:1803.03289; docs/methods.md section 4): quantizing a cluster sets its members to the
 * centroid and freezes them; the other weights stay free and retrain. Cluster 0 is the zero cluster, c0 = 0 always.
 *
 * <p>A round, on the driver: {@link #reassign} the free weights to clusters (after the first, which the factory
 * does), score the clusters (the loss effect of quantizing each, or {@link #squaredErrors}), {@link #select} the
 * cheapest, {@link #quantize} them, then freeze with {@link FrozenWeights#capture} and {@link #frozenMask}.
 *
 * <p>Free weights are assigned among all clusters, quantized ones included (their centroids stay fixed), so a free
 * weight that retrained close to a quantized value can join it; {@link #quantize} freezes every free member of every
 * quantized cluster, so once all clusters are quantized every weight is frozen at one of the centroids. Pruned
 * weights (exactly 0) are frozen at 0 from the start, belong to cluster 0 and are left out of clustering and scores.
 */
public abstract sealed class ClusteredLayer implements Serializable permits SlqLayer, TernaryLayer {
    private static final long serialVersionUID = 1L;

    final double[] centroids;
    final boolean[] quantized;
    final int[] assignment;
    final boolean[] frozen;
    final boolean[] pruned;
    private final long[] shape;
    private final DataType dataType;

    ClusteredLayer(INDArray weights, INDArray prunedMask, double[] centroids) {
        double[] w = Flat.values(weights, "cluster");
        this.pruned = Flat.mask(prunedMask, weights, "pruned mask");
        for (int i = 0; i < w.length; i++) {
            if (pruned[i] && w[i] != 0) {
                throw new IllegalArgumentException("weight at flat index " + i + " is marked pruned but holds " + w[i]);
            }
        }
        if (centroids[0] != 0) {
            throw new IllegalArgumentException("centroid 0 must be 0, got " + centroids[0]);
        }
        this.centroids = centroids.clone();
        this.quantized = new boolean[centroids.length];
        this.assignment = new int[w.length];
        this.frozen = pruned.clone();
        this.shape = weights.shape().clone();
        this.dataType = weights.dataType();
    }

    /**
     * A layer's complete state, as a checkpoint keeps it ({@link #state}; restored by {@link SlqLayer#restore} and
     * {@link TernaryLayer#restore}).
     *
     * @param centroids  by cluster index, finite, c0 = 0
     * @param quantized  whether each cluster is quantized
     * @param assignment the cluster of every weight, flat in C order
     * @param frozen     whether each weight is frozen (quantized or pruned)
     * @param pruned     whether each weight was pruned (exactly 0 from the start)
     * @param shape      the weights' shape
     * @param dataType   the weights' data type, floating point
     */
    public record State(double[] centroids, boolean[] quantized, int[] assignment, boolean[] frozen, boolean[] pruned,
                        long[] shape, DataType dataType) {
    }

    /**
     * A layer from its saved state (copied), after checking that it is one clustering could have produced: c0 = 0,
     * every index in range, pruned weights frozen in cluster 0, every other frozen weight in a quantized cluster.
     *
     * @throws IllegalArgumentException when it is not
     */
    ClusteredLayer(State state) {
        if (state.centroids() == null || state.quantized() == null || state.assignment() == null
                || state.frozen() == null || state.pruned() == null || state.shape() == null
                || state.dataType() == null) {
            throw new IllegalArgumentException("every part of a clustered layer's state must be set");
        }
        if (!state.dataType().isFPType()) {
            throw new IllegalArgumentException("weights must be floating point, got " + state.dataType());
        }
        long n = 1;
        for (long d : state.shape()) {
            if (d < 0 || (d > 0 && n > (Integer.MAX_VALUE - 8) / d)) {
                throw new IllegalArgumentException("bad weight shape " + Arrays.toString(state.shape()));
            }
            n *= d;
        }
        int k = state.centroids().length;
        if (k == 0 || state.centroids()[0] != 0 || state.quantized().length != k) {
            throw new IllegalArgumentException("expected c0 = 0 and one quantized flag per centroid, got "
                    + k + " centroids and " + state.quantized().length + " flags");
        }
        for (double c : state.centroids()) {
            if (!Double.isFinite(c)) {
                throw new IllegalArgumentException("centroids must be finite, got " + c);
            }
        }
        if (state.assignment().length != n || state.frozen().length != n || state.pruned().length != n) {
            throw new IllegalArgumentException("expected " + n + " assignments and frozen and pruned flags for shape "
                    + Arrays.toString(state.shape()));
        }
        for (int i = 0; i < n; i++) {
            int c = state.assignment()[i];
            if (c < 0 || c >= k) {
                throw new IllegalArgumentException("weight " + i + " is in cluster " + c + " of " + k);
            }
            if (state.pruned()[i] && (!state.frozen()[i] || c != 0)) {
                throw new IllegalArgumentException("pruned weight " + i + " must be frozen in cluster 0");
            }
            if (state.frozen()[i] && !state.pruned()[i] && !state.quantized()[c]) {
                throw new IllegalArgumentException("frozen weight " + i + " is in cluster " + c
                        + ", which is not quantized");
            }
        }
        this.centroids = state.centroids().clone();
        this.quantized = state.quantized().clone();
        this.assignment = state.assignment().clone();
        this.frozen = state.frozen().clone();
        this.pruned = state.pruned().clone();
        this.shape = state.shape().clone();
        this.dataType = state.dataType();
    }

    /** This layer's complete state, arrays copied. */
    public State state() {
        return new State(centroids.clone(), quantized.clone(), assignment.clone(), frozen.clone(), pruned.clone(),
                shape.clone(), dataType);
    }

    /** Assigns the free weights {@code w} (flat, C order) to clusters, updating centroids where the method does. */
    abstract void assignFree(double[] w);

    /** Re-clusters the free weights from their current values; quantized centroids and c0 stay fixed. */
    public void reassign(INDArray weights) {
        assignFree(values(weights));
    }

    /** The number of clusters, K. */
    public int clusterCount() {
        return centroids.length;
    }

    /** A copy of the centroids, by cluster index; c0 = 0. */
    public double[] centroids() {
        return centroids.clone();
    }

    /** A copy of the cluster index of every weight (flat, C order); a pruned weight is in cluster 0. */
    public int[] assignment() {
        return assignment.clone();
    }

    /** Whether cluster {@code c} is quantized. */
    public boolean isQuantized(int c) {
        checkCluster(c);
        return quantized[c];
    }

    /** Quantized clusters. */
    public int quantizedCount() {
        int n = 0;
        for (boolean q : quantized) {
            n += q ? 1 : 0;
        }
        return n;
    }

    /** True once every cluster is quantized (and so every weight frozen). */
    public boolean allQuantized() {
        return quantizedCount() == centroids.length;
    }

    /** Frozen weights, pruned ones included. */
    public long frozenCount() {
        long n = 0;
        for (boolean f : frozen) {
            n += f ? 1 : 0;
        }
        return n;
    }

    /** 1 where frozen (quantized or pruned), C order, in the weights' shape and data type. */
    public INDArray frozenMask() {
        return Flat.toMask(frozen, shape, dataType);
    }

    /**
     * The default cluster score: for each cluster, the sum of (w - c)^2 over its free members, the squared error
     * quantizing it now would make (0 for a quantized cluster). A stand-in for the paper's loss effect when no loss is
     * at hand: it ranks clusters by how far quantizing moves the weights, so tight or small clusters go first.
     */
    public double[] squaredErrors(INDArray weights) {
        double[] w = values(weights);
        double[] errors = new double[centroids.length];
        for (int i = 0; i < w.length; i++) {
            int c = assignment[i];
            if (!frozen[i] && !quantized[c]) {
                double d = w[i] - centroids[c];
                errors[c] += d * d;
            }
        }
        return errors;
    }

    /**
     * The {@code count} not-yet-quantized clusters of lowest score (quantizing them hurts the loss least; the rest
     * retrain to compensate), ties to the lower index, sorted by index; fewer when fewer are left.
     *
     * @param scores one finite score per cluster (those of quantized clusters are ignored)
     */
    public int[] select(double[] scores, int count) {
        if (scores.length != centroids.length) {
            throw new IllegalArgumentException("expected " + centroids.length + " cluster scores, got "
                    + scores.length);
        }
        if (count < 0) {
            throw new IllegalArgumentException("cluster count must be >= 0, got " + count);
        }
        Integer[] open = new Integer[centroids.length - quantizedCount()];
        int n = 0;
        for (int c = 0; c < centroids.length; c++) {
            if (!quantized[c]) {
                if (!Double.isFinite(scores[c])) {
                    throw new IllegalArgumentException("score of cluster " + c + " must be finite, got " + scores[c]);
                }
                open[n++] = c;
            }
        }
        Arrays.sort(open, (a, b) -> scores[a] != scores[b] ? Double.compare(scores[a], scores[b]) : a - b);
        int[] chosen = new int[Math.min(count, open.length)];
        for (int i = 0; i < chosen.length; i++) {
            chosen[i] = open[i];
        }
        Arrays.sort(chosen);
        return chosen;
    }

    /**
     * Quantizes {@code clusters}: marks them quantized, then sets every free member of every quantized cluster to its
     * centroid (in the weights' data type) in place and freezes it. Frozen weights are not touched.
     *
     * @return the number of weights newly frozen
     */
    public long quantize(INDArray weights, int... clusters) {
        double[] w = values(weights);
        for (int c : clusters) {
            checkCluster(c);
        }
        for (int c : clusters) {
            quantized[c] = true;
        }
        long added = 0;
        for (int i = 0; i < w.length; i++) {
            if (!frozen[i] && quantized[assignment[i]]) {
                w[i] = centroids[assignment[i]];
                frozen[i] = true;
                added++;
            }
        }
        if (added > 0) {
            weights.assign(Flat.toArray(w, weights));
        }
        return added;
    }

    /** The weights' values, flat in C order, after checking the shape. */
    final double[] values(INDArray weights) {
        if (!Arrays.equals(weights.shape(), shape)) {
            throw new IllegalArgumentException("expected a weight of shape " + Arrays.toString(shape) + ", got "
                    + Arrays.toString(weights.shape()));
        }
        return Flat.values(weights, "cluster");
    }

    private void checkCluster(int c) {
        if (c < 0 || c >= centroids.length) {
            throw new IllegalArgumentException("cluster must be in [0, " + centroids.length + "), got " + c);
        }
    }
}
