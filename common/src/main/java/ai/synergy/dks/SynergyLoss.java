package ai.synergy.dks;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Arrays;
import java.util.Objects;

/**
 * The DKS loss (Deeply-supervised Knowledge Synergy, Sun et al., CVPR 2019, arXiv:1906.00675) over the concatenated
 * logits of M classifier heads, for a DL4J {@code LossLayer} placed after a {@code MergeVertex} of the heads' logits.
 *
 * <p><b>Shapes.</b> {@code preOutput} is [B, M*C]: columns [m*C, (m+1)*C) are head m's logits z_m (head 0 = the main
 * head, then the auxiliary heads, in MergeVertex input order). {@code labels} is the data pipeline's one-hot [B, C]
 * (not tiled per head). The mask, if any, is per example ([B, 1]). The intended activation is IDENTITY (the heads'
 * FC layers emit raw logits and this loss applies the softmax itself); any other activation a is applied first
 * (z = a(preOutput)) and back-propagated through, as DL4J's stock losses do.
 *
 * <p><b>Value</b> (per example): the paper's objective, deep-supervision cross-entropy on every head plus the synergy
 * loss of dense pairwise knowledge matching, in the official code's form (docs/methods.md section 1):
 * <pre>
 *   L = sum_m CE(softmax(z_m), y) + w * T^2 * sum_{m != n} KL( p_n^T || p_m^T ),
 *   p^T = softmax(z / T),  KL(p || q) = sum_c p_c log(p_c / q_c)
 * </pre>
 * with w = {@code synergyWeight} and T = {@code temperature}. At w = 1, T = 1 it is exactly the paper's DKS loss
 * (M CE terms plus M(M-1) pairwise KL terms); at w = 0 it is plain deep supervision (CE on every head). The T^2
 * factor follows Hinton et al.'s distillation (arXiv:1503.02531) so that the synergy gradient does not shrink as
 * 1/T when the temperature is raised. Everything is computed in log space (log-softmax with the row maximum
 * subtracted), so values are exact: no 1e-8 smoothing inside the logs, unlike the official code.
 *
 * <p><b>Gradient.</b> As in the paper, the teacher p_n is a constant (stop-gradient) in the term that trains head m:
 * <pre>
 *   dL/dz_m = (softmax(z_m) - y) + w * T * sum_{n != m} ( softmax(z_m / T) - softmax(z_n / T) )
 * </pre>
 * (at w = T = 1: M softmax(z_m) - y - sum_{n != m} softmax(z_n)). It is therefore <i>not</i> the derivative of the
 * score with respect to all logits (that would also move the teachers); it is the derivative of the score with the
 * teachers frozen at their current values. DL4J conventions follow {@code LossMCXENT}: the gradient is per example
 * (not divided by B: the updater divides by the minibatch size), {@code computeScore(average = true)} divides the
 * (masked) sum by B, and masked examples contribute 0 to both score and gradient.
 *
 * <p>Works for FLOAT and DOUBLE arrays and returns the input's data type. Survives DL4J's JSON round trip (Spark
 * ships configurations as JSON) and Java serialization.
 */
public final class SynergyLoss implements ILossFunction {
    private static final long serialVersionUID = 1L;

    private final int heads;
    private final int classes;
    private final double synergyWeight;
    private final double temperature;

    /**
     * @param heads         M, the number of classifier heads concatenated in preOutput (>= 1; the paper uses 3)
     * @param classes       C, the number of classes of every head (>= 2)
     * @param synergyWeight w, the weight of the pairwise KL synergy term (>= 0; 1 in the paper, 0 = deep supervision)
     * @param temperature   T, the softmax temperature of the synergy term (> 0; 1 in the paper)
     */
    public SynergyLoss(@JsonProperty("heads") int heads, @JsonProperty("classes") int classes,
                       @JsonProperty("synergyWeight") double synergyWeight,
                       @JsonProperty("temperature") double temperature) {
        if (heads < 1) {
            throw new IllegalArgumentException("heads must be >= 1, got " + heads);
        }
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be >= 2, got " + classes);
        }
        if (!(synergyWeight >= 0) || Double.isInfinite(synergyWeight)) {
            throw new IllegalArgumentException("synergyWeight must be finite and >= 0, got " + synergyWeight);
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and > 0, got " + temperature);
        }
        this.heads = heads;
        this.classes = classes;
        this.synergyWeight = synergyWeight;
        this.temperature = temperature;
    }

    /** The paper's DKS loss: CE on every head plus every pairwise KL, weight 1, temperature 1. */
    public static SynergyLoss dks(int heads, int classes) {
        return new SynergyLoss(heads, classes, 1.0, 1.0);
    }

    /** Plain deep supervision (the paper's ablation): CE on every head, no synergy term. */
    public static SynergyLoss deepSupervision(int heads, int classes) {
        return new SynergyLoss(heads, classes, 0.0, 1.0);
    }

    /** M, the number of heads. */
    @JsonProperty("heads")
    public int getHeads() {
        return heads;
    }

    /** C, the number of classes per head. */
    @JsonProperty("classes")
    public int getClasses() {
        return classes;
    }

    /** w, the weight of the synergy (pairwise KL) term. */
    @JsonProperty("synergyWeight")
    public double getSynergyWeight() {
        return synergyWeight;
    }

    /** T, the softmax temperature of the synergy term. */
    @JsonProperty("temperature")
    public double getTemperature() {
        return temperature;
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        double score = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
        return average ? score / preOutput.size(0) : score;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return computeScoreArray(labels, preOutput, preOutput, activationFn, mask);
    }

    /**
     * Per-example values [B, 1] of the loss with the teachers taken from {@code teacherPreOutput} instead of
     * {@code preOutput}: the surrogate whose derivative (in preOutput, at teacherPreOutput = preOutput) is
     * {@link #computeGradient}. The public overload passes preOutput for both.
     */
    INDArray computeScoreArray(INDArray labels, INDArray preOutput, INDArray teacherPreOutput,
                               IActivation activationFn, INDArray mask) {
        INDArray z = logits(preOutput, activationFn);
        INDArray y = labels(labels, z);
        INDArray maskColumn = maskColumn(mask, z);
        INDArray teacher = teacherPreOutput == preOutput ? z : logits(teacherPreOutput, activationFn);
        INDArray score = Nd4j.zeros(z.dataType(), z.size(0), 1);
        INDArray[] logQ = new INDArray[heads];
        for (int m = 0; m < heads; m++) {
            // CE(softmax(z_m), y) = -sum_c y_c log softmax(z_m)_c
            logQ[m] = HeadOutputs.logSoftmax(HeadOutputs.headView(z, m, classes), 1.0);
            score.subi(logQ[m].mul(y).sum(true, 1));
        }
        if (synergyWeight > 0 && heads > 1) {
            INDArray[] logStudent = new INDArray[heads];
            INDArray[] logTeacher = new INDArray[heads];
            for (int m = 0; m < heads; m++) {
                logStudent[m] = temperature == 1.0 ? logQ[m]
                        : HeadOutputs.logSoftmax(HeadOutputs.headView(z, m, classes), temperature);
                logTeacher[m] = teacher == z ? logStudent[m]
                        : HeadOutputs.logSoftmax(HeadOutputs.headView(teacher, m, classes), temperature);
            }
            INDArray synergy = Nd4j.zeros(z.dataType(), z.size(0), 1);
            for (int n = 0; n < heads; n++) {
                INDArray p = Transforms.exp(logTeacher[n], true);
                for (int m = 0; m < heads; m++) {
                    if (m != n) {
                        // KL(p_n^T || p_m^T) = sum_c p_n,c (log p_n,c - log p_m,c)
                        synergy.addi(logTeacher[n].sub(logStudent[m]).muli(p).sum(true, 1));
                    }
                }
            }
            score.addi(synergy.muli(synergyWeight * temperature * temperature));
        }
        return maskColumn == null ? score : score.muli(maskColumn);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray z = logits(preOutput, activationFn);
        INDArray y = labels(labels, z);
        INDArray maskColumn = maskColumn(mask, z);
        INDArray dLdz = z.ulike();
        boolean synergy = synergyWeight > 0 && heads > 1;
        INDArray[] q = new INDArray[heads];
        INDArray[] soft = new INDArray[heads];
        INDArray softSum = null;
        for (int m = 0; m < heads; m++) {
            q[m] = HeadOutputs.softmax(HeadOutputs.headView(z, m, classes), 1.0);
            if (synergy) {
                soft[m] = temperature == 1.0 ? q[m] : HeadOutputs.softmax(HeadOutputs.headView(z, m, classes),
                        temperature);
                softSum = softSum == null ? soft[m].dup() : softSum.addi(soft[m]);
            }
        }
        for (int m = 0; m < heads; m++) {
            // CE part: softmax(z_m) - y
            INDArray g = q[m].sub(y);
            if (synergy) {
                // synergy part, teachers constant: w T sum_{n != m} (p_m^T - p_n^T) = w T (M p_m^T - sum_n p_n^T)
                g.addi(soft[m].mul(heads).subi(softSum).muli(synergyWeight * temperature));
            }
            HeadOutputs.headView(dLdz, m, classes).assign(g);
        }
        INDArray grad = activationFn.backprop(preOutput.dup(), dLdz).getFirst();
        return maskColumn == null ? grad : grad.muliColumnVector(maskColumn);
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                          INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    /**
     * Batch means of CE(softmax(z_m), y) per head m, for diagnostics and tests (no mask; activation IDENTITY).
     */
    double[] meanCrossEntropy(INDArray labels, INDArray logits) {
        INDArray y = labels(labels, checkedLogits(logits));
        double[] out = new double[heads];
        for (int m = 0; m < heads; m++) {
            INDArray logQ = HeadOutputs.logSoftmax(HeadOutputs.headView(logits, m, classes), 1.0);
            out[m] = -logQ.muli(y).sumNumber().doubleValue() / logits.size(0);
        }
        return out;
    }

    /**
     * Batch means of KL(p_n^T || p_m^T) as {@code [n][m]} (teacher n, student m; 0 on the diagonal), unweighted and
     * without the T^2 factor, for diagnostics and tests (no mask; activation IDENTITY).
     */
    double[][] meanKl(INDArray logits) {
        checkedLogits(logits);
        INDArray[] logP = new INDArray[heads];
        for (int m = 0; m < heads; m++) {
            logP[m] = HeadOutputs.logSoftmax(HeadOutputs.headView(logits, m, classes), temperature);
        }
        double[][] out = new double[heads][heads];
        for (int n = 0; n < heads; n++) {
            INDArray p = Transforms.exp(logP[n], true);
            for (int m = 0; m < heads; m++) {
                if (m != n) {
                    out[n][m] = logP[n].sub(logP[m]).muli(p).sumNumber().doubleValue() / logits.size(0);
                }
            }
        }
        return out;
    }

    private INDArray logits(INDArray preOutput, IActivation activationFn) {
        checkedLogits(preOutput);
        return activationFn.getActivation(preOutput.dup(), true);
    }

    private INDArray checkedLogits(INDArray preOutput) {
        if (preOutput == null || preOutput.rank() != 2 || preOutput.size(1) != (long) heads * classes) {
            throw new IllegalArgumentException("preOutput must be the concatenated logits [B, heads*classes] = [B, "
                    + (long) heads * classes + "] (" + heads + " heads x " + classes + " classes), got "
                    + (preOutput == null ? "null" : Arrays.toString(preOutput.shape())));
        }
        return preOutput;
    }

    private INDArray labels(INDArray labels, INDArray z) {
        if (labels == null || labels.rank() != 2 || labels.size(0) != z.size(0) || labels.size(1) != classes) {
            throw new IllegalArgumentException("labels must be one-hot [B, classes] = [" + z.size(0) + ", " + classes
                    + "] (the data pipeline's labels, not tiled per head), got "
                    + (labels == null ? "null" : Arrays.toString(labels.shape())));
        }
        return labels.castTo(z.dataType());
    }

    private static INDArray maskColumn(INDArray mask, INDArray z) {
        if (mask == null) {
            return null;
        }
        if (mask.length() != z.size(0) || (mask.rank() == 2 && mask.size(1) != 1) || mask.rank() > 2) {
            throw new IllegalArgumentException("mask must be per example, [B, 1] = [" + z.size(0) + ", 1], got "
                    + Arrays.toString(mask.shape()));
        }
        return mask.castTo(z.dataType()).reshape(z.size(0), 1);
    }

    @Override
    public String name() {
        return toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SynergyLoss other && heads == other.heads && classes == other.classes
                && Double.compare(synergyWeight, other.synergyWeight) == 0
                && Double.compare(temperature, other.temperature) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(heads, classes, synergyWeight, temperature);
    }

    @Override
    public String toString() {
        return "SynergyLoss(heads=" + heads + ", classes=" + classes + ", synergyWeight=" + synergyWeight
                + ", temperature=" + temperature + ")";
    }
}
