package ai.synergy.adversarial;

import ai.synergy.config.Require;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Auto-PGD in the L-infinity ball (Croce and Hein, "Reliable evaluation of adversarial robustness with an ensemble of
 * diverse parameter-free attacks", ICML 2020, arXiv:2003.01690, section 3 and Algorithm 1; docs/methods.md section 5).
 * Like PGD it climbs a loss by signed-gradient steps projected onto the ball around x intersected with [0, 1], but it
 * needs no step size: every example starts with step eta = 2 eps, moves with momentum alpha = 0.75, and at fixed
 * checkpoints of the iteration budget halves its step and goes back to the best point it has found when progress has
 * stalled. Inputs and eps are in [0, 1] pixel units; the model is differentiated as it is evaluated
 * ({@link LogitsGradient}).
 *
 * <p>An example counts as broken as soon as one iterate is misclassified; {@link #attack} returns the misclassified
 * iterate of highest loss for it (the highest-loss point x_max otherwise). Each restart starts afresh from a uniform
 * random point of the ball and attacks only the examples every earlier restart left correctly classified, as the
 * official code does. Examples misclassified without attack are returned as they are.
 *
 * @param eps      radius of the L-infinity ball, in [0, 1] units
 * @param budget   iterations (gradient steps) per restart, N_iter in the paper; each costs one forward and backward
 *                 pass (100 in the paper)
 * @param loss     the loss maximized: cross-entropy, DLR or targeted DLR
 * @param restarts runs from fresh random starts; with {@link Loss#DLR_TARGETED} run r targets the (r+2)-th most likely
 *                 class of the natural input (cycling), so 9 restarts on 10 classes are AutoAttack's APGD-T
 */
public record Apgd(double eps, int budget, Loss loss, int restarts) implements Attack {

    /** Iterations per restart, the paper's N_iter = 100. */
    public static final int DEFAULT_BUDGET = 100;
    /** One run, as in AutoAttack's standard version. */
    public static final int DEFAULT_RESTARTS = 1;
    /** Condition 1's threshold: fewer than rho of the steps since the last checkpoint raised the loss. */
    public static final double RHO = 0.75;
    /** Momentum alpha of Algorithm 1's update. */
    public static final double MOMENTUM = 0.75;
    /** The initial step, in units of eps: eta(0) = 2 eps. */
    public static final double INITIAL_STEP = 2;

    public Apgd {
        Require.inClosed("eps", eps, 0, 1);
        Require.atLeast("budget", budget, 1);
        Require.that(loss != null, "loss", "must be set (ce, dlr or dlr-targeted)");
        Require.atLeast("restarts", restarts, 1);
    }

    /** APGD with {@code loss} at the paper's budget and one run. */
    public static Apgd of(double eps, Loss loss) {
        return new Apgd(eps, DEFAULT_BUDGET, loss, DEFAULT_RESTARTS);
    }

    /** The loss APGD climbs, a function of the logits z (pre-softmax activations) of one example with label y. */
    public enum Loss {
        /** Cross-entropy: log sum_i exp(z_i) - z_y. */
        CE("ce"),
        /**
         * Difference of logits ratio (paper section 4): -(z_y - max_{i != y} z_i) / (z_pi1 - z_pi3), pi sorting z
         * decreasingly; invariant to shifting and scaling the logits; needs 3 classes or more.
         */
        DLR("dlr"),
        /**
         * Targeted DLR (paper section 4, AutoAttack's APGD-T): -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2) for a
         * target class t; needs 4 classes or more.
         */
        DLR_TARGETED("dlr-targeted");

        /** Added to DLR's denominator, as in the official code, so equal logits give a finite loss. */
        static final double DENOMINATOR_GUARD = 1e-12;

        private final String spelling;

        Loss(String spelling) {
            this.spelling = spelling;
        }

        /** ce, dlr or dlr-targeted. */
        public String spelling() {
            return spelling;
        }

        /**
         * The loss of one example's logits {@code z} with label {@code y} and, for {@link #DLR_TARGETED}, target
         * {@code t}; writes dL/dz into {@code dz} unless it is null. Ties in the ordering go to the lower class index.
         */
        public double valueAndGradient(double[] z, int y, int t, double[] dz) {
            if (dz != null) {
                Arrays.fill(dz, 0);
            }
            return switch (this) {
                case CE -> crossEntropy(z, y, dz);
                case DLR -> dlr(z, y, dz);
                case DLR_TARGETED -> targetedDlr(z, y, t, dz);
            };
        }

        private static double crossEntropy(double[] z, int y, double[] dz) {
            double max = Arrays.stream(z).max().orElseThrow();
            double sum = 0;
            for (double v : z) {
                sum += Math.exp(v - max);
            }
            if (dz != null) {
                for (int i = 0; i < z.length; i++) {
                    dz[i] = Math.exp(z[i] - max) / sum;
                }
                dz[y] -= 1;
            }
            return Math.log(sum) + max - z[y];
        }

        private static double dlr(double[] z, int y, double[] dz) {
            requireClasses(z, 3);
            int[] pi = largest(z, 3);
            int other = pi[0] == y ? pi[1] : pi[0];
            double numerator = z[y] - z[other];
            double denominator = z[pi[0]] - z[pi[2]] + DENOMINATOR_GUARD;
            if (dz != null) {
                // L = -N/D: dL/dz = -dN/dz / D + N dD/dz / D^2
                dz[y] -= 1 / denominator;
                dz[other] += 1 / denominator;
                double r = numerator / (denominator * denominator);
                dz[pi[0]] += r;
                dz[pi[2]] -= r;
            }
            return -numerator / denominator;
        }

        private static double targetedDlr(double[] z, int y, int t, double[] dz) {
            requireClasses(z, 4);
            if (t < 0 || t >= z.length || t == y) {
                throw new IllegalArgumentException("target must be a class other than the label " + y + ", got " + t);
            }
            int[] pi = largest(z, 4);
            double numerator = z[y] - z[t];
            double denominator = z[pi[0]] - (z[pi[2]] + z[pi[3]]) / 2 + DENOMINATOR_GUARD;
            if (dz != null) {
                dz[y] -= 1 / denominator;
                dz[t] += 1 / denominator;
                double r = numerator / (denominator * denominator);
                dz[pi[0]] += r;
                dz[pi[2]] -= r / 2;
                dz[pi[3]] -= r / 2;
            }
            return -numerator / denominator;
        }

        private static void requireClasses(double[] z, int min) {
            if (z.length < min) {
                throw new IllegalArgumentException("this DLR loss needs at least " + min + " classes, got "
                        + z.length);
            }
        }

        /** This loss bound to a minibatch's labels and (targeted only) targets, as a {@link LogitLoss}. */
        LogitLoss bind(int[] labels, int[] targets) {
            Loss kind = this;
            return new LogitLoss() {
                @Override
                public double[] values(INDArray logits) {
                    double[][] z = logits.toDoubleMatrix();
                    double[] values = new double[z.length];
                    for (int i = 0; i < z.length; i++) {
                        values[i] = kind.valueAndGradient(z[i], labels[i], target(i), null);
                    }
                    return values;
                }

                @Override
                public INDArray gradient(INDArray logits) {
                    double[][] z = logits.toDoubleMatrix();
                    double[][] dz = new double[z.length][z[0].length];
                    for (int i = 0; i < z.length; i++) {
                        kind.valueAndGradient(z[i], labels[i], target(i), dz[i]);
                    }
                    return Nd4j.createFromArray(dz).castTo(logits.dataType());
                }

                private int target(int i) {
                    return targets == null ? -1 : targets[i];
                }
            };
        }
    }

    /**
     * The checkpoints w_0 = 0 < w_1 < ... of a budget (paper section 3): w_j = ceil(p_j budget) with p_0 = 0,
     * p_1 = 0.22 and p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06), for p_j <= 1, repeated values once. Computed in
     * hundredths, exactly: for budget 100 they are 0, 22, 41, 57, 70, 80, 87, 93, 99.
     */
    public static int[] checkpoints(int budget) {
        List<Integer> w = new ArrayList<>(List.of(0));
        long previous = 0;
        long p = 22;
        while (p <= 100) {
            int wj = (int) ((p * budget + 99) / 100);
            if (wj > w.get(w.size() - 1)) {
                w.add(wj);
            }
            long next = p + Math.max(p - previous - 3, 6);
            previous = p;
            p = next;
        }
        return w.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public INDArray attack(AttackedModel model, INDArray x, INDArray labels, long seed) {
        return run(model.logitsGradient(), x, classes(labels), seed, new boolean[(int) x.size(0)]).adversarial();
    }

    @Override
    public String name() {
        return "apgd-" + loss.spelling();
    }

    @Override
    public String describe() {
        return "eps " + eps + ", budget " + budget + " iterations, " + restarts
                + (restarts == 1 ? " restart" : " restarts");
    }

    /**
     * What an attack on a minibatch found.
     *
     * @param adversarial the returned points, shaped like the input
     * @param robust      per example: correctly classified at the natural input and at every point tried
     */
    record Outcome(INDArray adversarial, boolean[] robust) {
    }

    /**
     * The attack on {@code x} [B, ...] with integer {@code labels}; examples flagged in {@code skip} are left as they
     * are and reported as not robust (another attack broke them). Example i's random starts depend only on
     * (seed, restart, i), so the result for an example does not depend on which others are attacked with it.
     */
    Outcome run(LogitsGradient model, INDArray x, int[] labels, long seed, boolean[] skip) {
        long[] shape = x.shape();
        int n = (int) shape[0];
        int features = (int) (x.length() / n);
        INDArray natural = x.dup('c').reshape(n, features);
        INDArray adversarial = natural.dup();
        double[][] cleanLogits = model.pass(x, Loss.CE.bind(labels, null)).logits().toDoubleMatrix();
        boolean[] robust = new boolean[n];
        for (int i = 0; i < n; i++) {
            robust[i] = !skip[i] && argMax(cleanLogits[i]) == labels[i];
        }
        double[] bestLoss = new double[n];
        Arrays.fill(bestLoss, Double.NEGATIVE_INFINITY);
        SplittableRandom random = new SplittableRandom(seed);
        for (int restart = 0; restart < restarts; restart++) {
            SplittableRandom restartRandom = random.split();
            SplittableRandom[] rowRandom = new SplittableRandom[n];
            for (int i = 0; i < n; i++) {
                rowRandom[i] = restartRandom.split();
            }
            int[] active = indicesOf(robust);
            if (active.length == 0) {
                break;
            }
            INDArray rows = Nd4j.pullRows(natural, 1, active);
            INDArray start = rows.dup();
            int[] activeLabels = new int[active.length];
            int[] targets = loss == Loss.DLR_TARGETED ? new int[active.length] : null;
            for (int k = 0; k < active.length; k++) {
                int i = active[k];
                activeLabels[k] = labels[i];
                if (targets != null) {
                    int rank = restart % (cleanLogits[i].length - 1) + 1;
                    targets[k] = largest(cleanLogits[i], rank + 1)[rank];
                }
                if (eps > 0) {
                    start.getRow(k).addi(Nd4j.createFromArray(LinfBall.uniform(rowRandom[i], features, eps))
                            .castTo(x.dataType()));
                }
            }
            long[] runShape = shape.clone();
            runShape[0] = active.length;
            Run result = new Run(model, rows, activeLabels, targets, runShape);
            result.climb(start);
            for (int k = 0; k < active.length; k++) {
                int i = active[k];
                if (!result.robust[k]) {
                    robust[i] = false;
                    adversarial.getRow(i).assign(result.fooling.getRow(k));
                } else if (result.bestLoss[k] > bestLoss[i]) {
                    bestLoss[i] = result.bestLoss[k];
                    adversarial.getRow(i).assign(result.best.getRow(k));
                }
            }
        }
        return new Outcome(adversarial.reshape('c', shape), robust);
    }

    /**
     * One run of Algorithm 1 on some examples, the state per example: current point, best point (x_max) and its loss
     * (f_max) and gradient, step size, the count of loss increases since the last checkpoint, and the misclassified
     * iterate of highest loss.
     */
    final class Run {
        private final LogitsGradient model;
        private final LinfBall ball;
        private final LogitLoss objective;
        private final int[] labels;
        private final long[] shape;
        private final int n;
        final boolean[] robust;
        final double[] bestLoss;
        final double[] stepSize;
        private final double[] foolingLoss;
        INDArray best;
        INDArray fooling;

        Run(LogitsGradient model, INDArray natural, int[] labels, int[] targets, long[] shape) {
            this.model = model;
            this.ball = new LinfBall(natural, eps);
            this.objective = loss.bind(labels, targets);
            this.labels = labels;
            this.shape = shape;
            this.n = labels.length;
            this.robust = new boolean[n];
            this.bestLoss = new double[n];
            this.stepSize = new double[n];
            this.foolingLoss = new double[n];
        }

        /** {@link #budget} steps from {@code start} (projected onto the ball first). */
        void climb(INDArray start) {
            INDArray x = ball.project(start.dup());
            Evaluated at = evaluate(x);
            Arrays.fill(robust, true);
            double[] current = at.loss.clone();
            System.arraycopy(current, 0, bestLoss, 0, n);
            best = x.dup();
            INDArray bestGradient = at.gradient.dup();
            fooling = x.dup();
            Arrays.fill(foolingLoss, Double.NEGATIVE_INFINITY);
            record(x, at);
            Arrays.fill(stepSize, INITIAL_STEP * eps);
            int[] w = checkpoints(budget);
            int next = 1;
            double[] bestAtCheckpoint = bestLoss.clone();
            boolean[] halvedAtCheckpoint = new boolean[n];
            int[] increases = new int[n];
            INDArray previous = x;
            INDArray gradient = at.gradient;
            for (int t = 1; t <= budget; t++) {
                INDArray moved = step(x, previous, gradient, t == 1);
                previous = x;
                x = moved;
                at = evaluate(x);
                gradient = at.gradient;
                for (int i = 0; i < n; i++) {
                    if (at.loss[i] > current[i]) {
                        increases[i]++;
                    }
                    current[i] = at.loss[i];
                    if (at.loss[i] > bestLoss[i]) {
                        bestLoss[i] = at.loss[i];
                        best.getRow(i).assign(x.getRow(i));
                        bestGradient.getRow(i).assign(gradient.getRow(i));
                    }
                }
                record(x, at);
                if (next < w.length && t == w[next]) {
                    int window = w[next] - w[next - 1];
                    for (int i = 0; i < n; i++) {
                        // condition 1: the loss rose in fewer than rho of the steps since the last checkpoint;
                        // condition 2: the step was not halved there and the best loss has not moved since
                        boolean stalled = increases[i] < RHO * window
                                || (!halvedAtCheckpoint[i] && bestAtCheckpoint[i] == bestLoss[i]);
                        if (stalled) {
                            stepSize[i] /= 2;
                            x.getRow(i).assign(best.getRow(i));
                            gradient.getRow(i).assign(bestGradient.getRow(i));
                            current[i] = bestLoss[i];
                        }
                        halvedAtCheckpoint[i] = stalled;
                        bestAtCheckpoint[i] = bestLoss[i];
                        increases[i] = 0;
                    }
                    next++;
                }
            }
        }

        /**
         * The update of Algorithm 1, with the L-infinity ball's step along sign(gradient):
         * z = P(x_k + eta sign(grad f(x_k))), x_{k+1} = P(x_k + alpha (z - x_k) + (1 - alpha)(x_k - x_{k-1})), and
         * x_1 = z (no momentum) for the first step.
         */
        INDArray step(INDArray x, INDArray previous, INDArray gradient, boolean first) {
            INDArray eta = Nd4j.createFromArray(stepSize).castTo(x.dataType()).reshape(n, 1);
            INDArray z = ball.project(Transforms.sign(gradient, true).muliColumnVector(eta).addi(x));
            if (first) {
                return z;
            }
            INDArray momentum = x.sub(previous).muli(1 - MOMENTUM);
            return ball.project(z.subi(x).muli(MOMENTUM).addi(momentum).addi(x));
        }

        /** Keeps, per example, the misclassified iterate of highest loss. */
        private void record(INDArray x, Evaluated at) {
            for (int i = 0; i < n; i++) {
                if (!at.correct[i] && at.loss[i] > foolingLoss[i]) {
                    robust[i] = false;
                    foolingLoss[i] = at.loss[i];
                    fooling.getRow(i).assign(x.getRow(i));
                }
            }
        }

        private Evaluated evaluate(INDArray x) {
            LogitsGradient.Pass pass = model.pass(x.reshape('c', shape), objective);
            double[][] logits = pass.logits().toDoubleMatrix();
            boolean[] correct = new boolean[n];
            for (int i = 0; i < n; i++) {
                correct[i] = argMax(logits[i]) == labels[i];
            }
            return new Evaluated(objective.values(pass.logits()),
                    pass.inputGradient().dup('c').reshape(n, x.size(1)), correct);
        }
    }

    /** A point's per-example loss, input gradient [n, features] and whether each example is classified correctly. */
    private record Evaluated(double[] loss, INDArray gradient, boolean[] correct) {
    }

    /** The integer classes of one-hot rows. */
    static int[] classes(INDArray oneHot) {
        double[][] rows = oneHot.toDoubleMatrix();
        int[] classes = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            classes[i] = argMax(rows[i]);
        }
        return classes;
    }

    /** The arg-max, ties to the lower index (as evaluation scores a prediction). */
    static int argMax(double[] values) {
        return largest(values, 1)[0];
    }

    /** The indices of the {@code k} largest values, largest first, ties to the lower index. */
    static int[] largest(double[] values, int k) {
        int[] order = new int[k];
        boolean[] taken = new boolean[values.length];
        for (int j = 0; j < k; j++) {
            int arg = -1;
            for (int i = 0; i < values.length; i++) {
                if (!taken[i] && (arg < 0 || values[i] > values[arg])) {
                    arg = i;
                }
            }
            taken[arg] = true;
            order[j] = arg;
        }
        return order;
    }

    private static int[] indicesOf(boolean[] flags) {
        int count = 0;
        for (boolean f : flags) {
            count += f ? 1 : 0;
        }
        int[] indices = new int[count];
        for (int i = 0, k = 0; i < flags.length; i++) {
            if (flags[i]) {
                indices[k++] = i;
            }
        }
        return indices;
    }
}
