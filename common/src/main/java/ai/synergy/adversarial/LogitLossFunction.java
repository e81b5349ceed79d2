package ai.synergy.adversarial;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.util.Arrays;

/**
 * The output layer's loss in {@link GraphLogitsGradient}'s private copy of a network: DL4J hands a loss function the
 * layer's pre-activations, which for a softmax output layer are the logits; this one applies the {@link LogitLoss} set
 * for the current pass to them (ignoring DL4J's labels and the activation) and keeps a copy of the logits outside
 * DL4J's workspaces. Never part of a saved configuration.
 */
final class LogitLossFunction implements ILossFunction {
    private transient LogitLoss loss;
    private transient INDArray logits;

    /** The loss of the next passes. */
    void use(LogitLoss value) {
        this.loss = value;
        this.logits = null;
    }

    /** The logits of the last backward pass (a detached copy). */
    INDArray lastLogits() {
        if (logits == null) {
            throw new IllegalStateException("no backward pass has run with this loss");
        }
        return logits;
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        double sum = Arrays.stream(current().values(preOutput)).sum();
        return average ? sum / preOutput.size(0) : sum;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return Nd4j.createFromArray(current().values(preOutput)).castTo(preOutput.dataType())
                .reshape(preOutput.size(0), 1);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        if (mask != null) {
            throw new IllegalArgumentException("attack losses take no masks");
        }
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            logits = preOutput.dup('c');
        }
        return current().gradient(preOutput);
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                          INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    private LogitLoss current() {
        if (loss == null) {
            throw new IllegalStateException("no attack loss set for this pass");
        }
        return loss;
    }

    @Override
    public String name() {
        return "LogitLossFunction";
    }

    @Override
    public String toString() {
        return name();
    }
}
