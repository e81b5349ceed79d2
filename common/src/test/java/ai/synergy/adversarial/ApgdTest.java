package ai.synergy.adversarial;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * APGD (docs/methods.md section 5) on models written out in plain Java, so every expected value is computed here
 * independently of ND4J: the checkpoints, the DLR losses and their gradients, the first steps on a linear softmax
 * model, the step-size rule, the ball invariants, determinism and AutoAttack-lite's per-example worst case.
 */
class ApgdTest {

    @Test
    void checkpointsFollowThePapersSequence() {
        // p_j = 0, .22, .41 (.22 + .19), .57 (+.16), .70 (+.13), .80 (+.10), .87 (+.07), .93 (+.06), .99 (+.06);
        // the next, 1.05, is past the budget. w_j = ceil(p_j N).
        assertThat(Apgd.checkpoints(100)).containsExactly(0, 22, 41, 57, 70, 80, 87, 93, 99);
        // N = 50: 11, 20.5, 28.5, 35, 40, 43.5, 46.5, 49.5 rounded up
        assertThat(Apgd.checkpoints(50)).containsExactly(0, 11, 21, 29, 35, 40, 44, 47, 50);
        // N = 10: 2.2, 4.1, 5.7, 7, 8, 8.7, 9.3, 9.9 rounded up, the repeated 10 once
        assertThat(Apgd.checkpoints(10)).containsExactly(0, 3, 5, 6, 7, 8, 9, 10);
        assertThat(Apgd.checkpoints(1)).containsExactly(0, 1);
    }

    @Test
    void lossesOfTheCheckLogits() {
        double[] z = {2, 1, .5, -1};
        double[] dz = new double[4];
        // CE = log(e^2 + e + e^.5 + e^-1) - z_y; gradient softmax - one-hot
        assertThat(Apgd.Loss.CE.valueAndGradient(z, 0, -1, dz)).isCloseTo(0.495181898, within(1e-9));
        assertThat(dz).containsExactly(new double[]{0.609460038 - 1, 0.224207818, 0.135988916, 0.030343229},
                within(1e-9));
        // (DLR's denominator carries the official code's 1e-12, hence the 1e-10 tolerance)
        // DLR, y = 0: -(2 - 1) / (2 - .5); dL/dz = [-(z1 - z2), (z0 - z2), -(z0 - z1), 0] / (z0 - z2)^2
        assertThat(Apgd.Loss.DLR.valueAndGradient(z, 0, -1, dz)).isCloseTo(-2 / 3.0, within(1e-10));
        assertThat(dz).containsExactly(new double[]{-.5 / 2.25, 1.5 / 2.25, -1 / 2.25, 0}, within(1e-10));
        // misclassified examples have a positive DLR: y = 1 gives (2 - 1) / 1.5, y = 3 gives (2 + 1) / 1.5
        assertThat(Apgd.Loss.DLR.valueAndGradient(z, 1, -1, null)).isCloseTo(2 / 3.0, within(1e-10));
        assertThat(Apgd.Loss.DLR.valueAndGradient(z, 3, -1, null)).isCloseTo(2, within(1e-10));
        // targeted, y = 0, t = 3: -(2 + 1) / (2 - (.5 - 1) / 2)
        assertThat(Apgd.Loss.DLR_TARGETED.valueAndGradient(z, 0, 3, dz)).isCloseTo(-3 / 2.25, within(1e-10));
        assertThatThrownBy(() -> Apgd.Loss.DLR.valueAndGradient(new double[]{1, 2}, 0, -1, null))
                .hasMessageContaining("at least 3 classes");
        assertThatThrownBy(() -> Apgd.Loss.DLR_TARGETED.valueAndGradient(z, 0, 0, null))
                .hasMessageContaining("target");
    }

    @Test
    void dlrIsInvariantToShiftingAndScalingTheLogits() {
        double[] z = {0.3, -1.2, 2.5, 0.9, -0.4};
        double[] moved = Arrays.stream(z).map(v -> 3.7 * v - 11).toArray();
        for (int y = 0; y < z.length; y++) {
            assertThat(Apgd.Loss.DLR.valueAndGradient(moved, y, -1, null))
                    .isCloseTo(Apgd.Loss.DLR.valueAndGradient(z, y, -1, null), within(1e-12));
            int t = (y + 2) % z.length;
            assertThat(Apgd.Loss.DLR_TARGETED.valueAndGradient(moved, y, t, null))
                    .isCloseTo(Apgd.Loss.DLR_TARGETED.valueAndGradient(z, y, t, null), within(1e-12));
        }
    }

    @Test
    void lossGradientsMatchFiniteDifferences() {
        Random random = new Random(11);
        double h = 1e-6;
        for (Apgd.Loss loss : Apgd.Loss.values()) {
            for (int trial = 0; trial < 20; trial++) {
                double[] z = random.doubles(7).map(v -> 4 * v - 2).toArray();
                int y = random.nextInt(7);
                int t = (y + 1 + random.nextInt(6)) % 7;
                double[] dz = new double[7];
                loss.valueAndGradient(z, y, t, dz);
                for (int k = 0; k < z.length; k++) {
                    double[] plus = z.clone();
                    double[] minus = z.clone();
                    plus[k] += h;
                    minus[k] -= h;
                    double numeric = (loss.valueAndGradient(plus, y, t, null)
                            - loss.valueAndGradient(minus, y, t, null)) / (2 * h);
                    assertThat(dz[k]).as("%s dL/dz[%d]", loss, k).isCloseTo(numeric, within(1e-6));
                }
            }
        }
    }

    /**
     * Two steps from x itself on z = x W + b with the cross-entropy, whose input gradient is W (softmax(z) - e_y):
     * x1 = P(x0 + 2 eps sign g0), z2 = P(x1 + 2 eps sign g1), x2 = P(x1 + .75 (z2 - x1) + .25 (x1 - x0)).
     */
    @Test
    void firstStepsOnALinearSoftmaxModelMatchTheHandComputation() {
        double[][] w = {{-0.5, 1.2, -1.1}, {0.4, -0.9, -0.9}, {-1.4, 1.0, -0.9}, {0.7, 0.8, 0.2}};
        double[] b = {0.1, -0.2, 0.05};
        double[] x0 = {.5, .95, .02, .3};
        int y = 0;
        double eps = 0.2;
        PlainNet linear = PlainNet.linear(w, b);
        List<double[]> seen = new ArrayList<>();
        LogitsGradient recording = (x, loss) -> {
            seen.add(x.toDoubleVector());
            return linear.pass(x, loss);
        };
        Apgd apgd = new Apgd(eps, 2, Apgd.Loss.CE, 1);
        INDArray natural = Nd4j.createFromArray(new double[][]{x0});
        Apgd.Run run = apgd.new Run(recording, natural, new int[]{y}, null, new long[]{1, 4});
        run.climb(natural);

        double[] x1 = projectedSignStep(x0, linearCeGradient(w, b, x0, y), 2 * eps, x0, eps);
        double[] z2 = projectedSignStep(x1, linearCeGradient(w, b, x1, y), 2 * eps, x0, eps);
        double[] x2 = new double[4];
        for (int d = 0; d < 4; d++) {
            x2[d] = clip(x1[d] + .75 * (z2[d] - x1[d]) + .25 * (x1[d] - x0[d]), x0[d], eps);
        }
        assertThat(seen).hasSize(3);
        assertThat(seen.get(0)).containsExactly(x0, within(1e-15));
        assertThat(seen.get(1)).containsExactly(x1, within(1e-12));
        assertThat(seen.get(2)).containsExactly(x2, within(1e-12));
        // the last coordinate's gradient changes sign after the first step: with momentum it lands inside the ball
        // (x1 = .1, z2 = .5: x2 = .1 + .75 (.5 - .1) + .25 (.1 - .3) = .35), where plain PGD would jump to .5
        assertThat(x1[3]).isCloseTo(x0[3] - eps, within(1e-12));
        assertThat(x2[3]).isCloseTo(0.35, within(1e-12));

        double f0 = linearCe(w, b, x0, y);
        double f1 = linearCe(w, b, x1, y);
        double f2 = linearCe(w, b, x2, y);
        assertThat(f1).as("the first step raises the loss, so no halving at w_1 = 1").isGreaterThan(f0);
        double fMax = Math.max(f0, Math.max(f1, f2));
        assertThat(run.bestLoss[0]).isCloseTo(fMax, within(1e-12));
        assertThat(run.best.toDoubleVector()).containsExactly(fMax == f2 ? x2 : fMax == f1 ? x1 : x0, within(1e-12));
        // at w_2 = 2 the window is one step: halve unless it raised the loss
        assertThat(run.stepSize[0]).isEqualTo(f2 > f1 ? 2 * eps : eps);
    }

    private static double[] linearCeGradient(double[][] w, double[] b, double[] x, int y) {
        double[] p = softmax(linearLogits(w, b, x));
        p[y] -= 1;
        double[] g = new double[x.length];
        for (int d = 0; d < x.length; d++) {
            for (int c = 0; c < p.length; c++) {
                g[d] += w[d][c] * p[c];
            }
        }
        return g;
    }

    private static double linearCe(double[][] w, double[] b, double[] x, int y) {
        return -Math.log(softmax(linearLogits(w, b, x))[y]);
    }

    private static double[] linearLogits(double[][] w, double[] b, double[] x) {
        double[] z = b.clone();
        for (int d = 0; d < x.length; d++) {
            for (int c = 0; c < z.length; c++) {
                z[c] += x[d] * w[d][c];
            }
        }
        return z;
    }

    private static double[] softmax(double[] z) {
        double sum = Arrays.stream(z).map(Math::exp).sum();
        return Arrays.stream(z).map(v -> Math.exp(v) / sum).toArray();
    }

    private static double[] projectedSignStep(double[] x, double[] g, double step, double[] natural, double eps) {
        double[] out = new double[x.length];
        for (int d = 0; d < x.length; d++) {
            out[d] = clip(x[d] + step * Math.signum(g[d]), natural[d], eps);
        }
        return out;
    }

    private static double clip(double v, double natural, double eps) {
        return Math.max(Math.max(natural - eps, 0), Math.min(Math.min(natural + eps, 1), v));
    }

    /**
     * The step-size rule on scripted loss sequences (the model's logits follow the iteration, not the input): f_t is
     * the cross-entropy of logits [a_t, 0, 0] for label 1, increasing in a_t.
     */
    @Test
    void stepSizeHalvesAtCheckpointsExactlyWhenProgressStalls() {
        double eps = 0.05;
        // never improving: condition 1 at each of the 8 checkpoints of 100 iterations
        assertThat(finalStep(eps, t -> 0.0)).isEqualTo(2 * eps / 256);
        // rising at every step: neither condition, the step stays 2 eps
        assertThat(finalStep(eps, t -> (double) t)).isEqualTo(2 * eps);
        // up, down, up, ...: half of the steps rise, fewer than rho = 0.75, condition 1 every time
        assertThat(finalStep(eps, t -> (double) (t % 2))).isEqualTo(2 * eps / 256);
        // a fall at step 1 and a rise at every later step, staying below f_0 until step 30: at w_1 = 22, 21 of 22
        // steps rose (no condition 1) but f_max is f_0 still and the step was not halved at w_0, so condition 2
        // halves it; from then on f_max improves, no more halving
        assertThat(finalStep(eps, t -> t == 0 ? 10.0 : t - 20.0)).isEqualTo(eps);
        // rising in 17 of the 22 steps before w_1 (>= 16.5) and improving: no halving there; flat afterwards, so
        // halved at the 7 later checkpoints
        assertThat(finalStep(eps, t -> t <= 22 ? (t % 4 == 3 ? t - 1.5 : t) : 22.0)).isEqualTo(2 * eps / 128);
        // rising in 16 of the 22 (< 16.5): halved at w_1 too
        assertThat(finalStep(eps, t -> t <= 22 ? (t % 4 == 2 ? t - 1.5 : t) : 22.0)).isEqualTo(2 * eps / 256);
    }

    private static double finalStep(double eps, IntFunction<Double> logitAtIteration) {
        int[] calls = {0};
        LogitsGradient scripted = (x, loss) -> {
            INDArray logits = Nd4j.createFromArray(new double[][]{{logitAtIteration.apply(calls[0]++), 0, 0}});
            return new LogitsGradient.Pass(logits, Nd4j.ones(DataType.DOUBLE, x.shape()));
        };
        Apgd apgd = new Apgd(eps, 100, Apgd.Loss.CE, 1);
        INDArray natural = Nd4j.createFromArray(new double[][]{{.5, .5}});
        Apgd.Run run = apgd.new Run(scripted, natural, new int[]{1}, null, new long[]{1, 2});
        run.climb(natural);
        assertThat(calls[0]).isEqualTo(101);
        return run.stepSize[0];
    }

    @Test
    void everyIterateStaysInTheBallAndTheUnitRange() {
        Random random = new Random(3);
        double[] pixels = new double[6 * 16];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextDouble();
        }
        INDArray x = Nd4j.createFromArray(pixels).reshape(6, 1, 4, 4);
        x.putScalar(new long[]{0, 0, 0, 0}, 0.0).putScalar(new long[]{0, 0, 0, 1}, 1.0);
        double eps = 0.1;
        PlainNet net = PlainNet.random(16, 12, 5, random);
        // the labels are the network's own predictions: every image starts correctly classified, so the attack runs
        // (an image already misclassified is not attacked), whatever the random draws
        INDArray predicted = net.pass(x, Apgd.Loss.CE.bind(new int[6], null)).logits().argMax(1);
        INDArray labels = oneHot(predicted.toIntVector(), 5);
        for (Apgd.Loss loss : Apgd.Loss.values()) {
            int[] calls = {0};
            LogitsGradient checking = (in, l) -> {
                calls[0]++;
                assertInBall(in, x, eps);
                return net.pass(in, l);
            };
            AttackedModel model = plain(checking);
            Apgd apgd = new Apgd(eps, 30, loss, 3);
            INDArray adv = apgd.attack(model, x, labels, 5);
            assertThat(adv.shape()).containsExactly(x.shape());
            assertThat(Math.abs(adv.sub(x).amaxNumber().doubleValue())).isLessThanOrEqualTo(eps + 1e-12);
            assertThat(adv.minNumber().doubleValue()).isGreaterThanOrEqualTo(0);
            assertThat(adv.maxNumber().doubleValue()).isLessThanOrEqualTo(1);
            assertThat(calls[0]).isGreaterThan(31);
        }
    }

    /** Within eps of the natural rows it belongs to (a restart attacks a subset of the rows). */
    private static void assertInBall(INDArray in, INDArray natural, double eps) {
        assertThat(in.minNumber().doubleValue()).isGreaterThanOrEqualTo(0);
        assertThat(in.maxNumber().doubleValue()).isLessThanOrEqualTo(1);
        double[][] rows = natural.reshape(natural.size(0), -1).toDoubleMatrix();
        for (double[] point : in.reshape(in.size(0), -1).toDoubleMatrix()) {
            boolean near = false;
            for (double[] row : rows) {
                double distance = 0;
                for (int d = 0; d < row.length; d++) {
                    distance = Math.max(distance, Math.abs(point[d] - row[d]));
                }
                near |= distance <= eps + 1e-12;
            }
            assertThat(near).as("an iterate outside every natural input's ball").isTrue();
        }
    }

    @Test
    void theSameSeedGivesTheSameAttackAndAnotherSeedAnotherStart() {
        INDArray x = uniform(new Random(81), 5, 10);
        PlainNet net = PlainNet.random(10, 8, 4, new Random(8));
        INDArray labels = net.oneHotPredictions(x);
        List<INDArray> seen = new ArrayList<>();
        AttackedModel model = plain((in, loss) -> {
            seen.add(in.dup());
            return net.pass(in, loss);
        });
        Apgd apgd = new Apgd(0.2, 5, Apgd.Loss.DLR, 1);
        INDArray a = apgd.attack(model, x, labels, 1);
        // the natural minibatch, then the random start, then one point per iteration
        assertThat(seen).hasSize(7);
        assertThat(seen.get(0)).isEqualTo(x);
        INDArray start = seen.get(1);
        seen.clear();
        assertThat(apgd.attack(model, x, labels, 1)).isEqualTo(a);
        assertThat(seen.get(1)).isEqualTo(start);
        seen.clear();
        apgd.attack(model, x, labels, 2);
        assertThat(seen.get(1)).isNotEqualTo(start);
        assertThat(Math.abs(seen.get(1).sub(x).amaxNumber().doubleValue())).isLessThanOrEqualTo(0.2);
    }

    @Test
    void anExamplesResultDoesNotDependOnTheOthersInItsMinibatch() {
        INDArray x = uniform(new Random(82), 6, 12);
        PlainNet net = PlainNet.random(12, 10, 5, new Random(21));
        INDArray labels = net.oneHotPredictions(x);
        AttackedModel model = plain(net);
        Apgd apgd = new Apgd(0.15, 20, Apgd.Loss.CE, 2);
        INDArray all = apgd.attack(model, x, labels, 9);
        for (int i = 0; i < 6; i++) {
            // with only the rows up to it, example i keeps its row index, so its random starts, which come from
            // (seed, restart, row), are the same
            INDArray alone = apgd.attack(model, x.get(NDArrayIndex.interval(0, i + 1)),
                    labels.get(NDArrayIndex.interval(0, i + 1)), 9);
            assertThat(alone.getRow(i)).isEqualTo(all.getRow(i));
        }
    }

    @Test
    void autoAttackLiteBreaksEveryExampleEitherAttackBreaksAlone() {
        Random random = new Random(4);
        INDArray x = uniform(random, 40, 12);
        PlainNet net = PlainNet.random(12, 16, 6, random);
        int[] y = net.predictions(x);
        for (int i = 0; i < y.length; i += 7) {
            y[i] = (y[i] + 1) % 6; // some examples misclassified without attack
        }
        double eps = 0.08;
        Apgd.Outcome ce = new Apgd(eps, 15, Apgd.Loss.CE, 1).run(net, x, y, 3, new boolean[40]);
        Apgd.Outcome dlr = new Apgd(eps, 15, Apgd.Loss.DLR, 1).run(net, x, y, 3, new boolean[40]);
        Apgd.Outcome both = AutoAttackLite.of(eps, 15, 1).run(net, x, y, 3);
        int robustCe = 0;
        int robustDlr = 0;
        int robustBoth = 0;
        for (int i = 0; i < 40; i++) {
            assertThat(both.robust()[i]).as("example %d", i).isEqualTo(ce.robust()[i] && dlr.robust()[i]);
            robustCe += ce.robust()[i] ? 1 : 0;
            robustDlr += dlr.robust()[i] ? 1 : 0;
            robustBoth += both.robust()[i] ? 1 : 0;
            int predicted = net.predictions(both.adversarial().getRow(i).reshape(1, 12))[0];
            assertThat(predicted == y[i]).as("example %d is scored as the attack found it", i)
                    .isEqualTo(both.robust()[i]);
        }
        assertThat(robustBoth).isLessThanOrEqualTo(Math.min(robustCe, robustDlr));
        assertThat(robustCe).as("the attacks have something to do").isLessThan(40 - 6).isGreaterThan(0);
    }

    @Test
    void refusesMeaninglessSettings() {
        assertThatThrownBy(() -> new Apgd(1.5, 100, Apgd.Loss.CE, 1)).hasMessage("eps must be in [0, 1], got 1.5");
        assertThatThrownBy(() -> new Apgd(0.1, 0, Apgd.Loss.CE, 1)).hasMessage("budget must be >= 1, got 0");
        assertThatThrownBy(() -> new Apgd(0.1, 10, Apgd.Loss.CE, 0)).hasMessage("restarts must be >= 1, got 0");
        assertThatThrownBy(() -> new Apgd(0.1, 10, null, 1)).hasMessageStartingWith("loss must be set");
        assertThatThrownBy(() -> new AutoAttackLite(Apgd.of(0.1, Apgd.Loss.DLR), Apgd.of(0.1, Apgd.Loss.DLR)))
                .hasMessageContaining("APGD-CE");
        assertThat(Apgd.of(0.1, Apgd.Loss.DLR_TARGETED).name()).isEqualTo("apgd-dlr-targeted");
        assertThat(AutoAttackLite.of(0.1, 100, 1).describe())
                .isEqualTo("apgd-ce then apgd-dlr, eps 0.1, budget 100 iterations, 1 restart");
    }

    /** Pixels uniform in [0, 1) from {@code random}: the same every run, whatever ND4J's generator did before. */
    static INDArray uniform(Random random, int rows, int cols) {
        double[][] v = new double[rows][cols];
        for (double[] row : v) {
            for (int j = 0; j < cols; j++) {
                row[j] = random.nextDouble();
            }
        }
        return Nd4j.createFromArray(v);
    }

    static INDArray oneHot(int[] classes, int count) {
        INDArray y = Nd4j.zeros(DataType.DOUBLE, classes.length, count);
        for (int i = 0; i < classes.length; i++) {
            y.putScalar(i, classes[i], 1);
        }
        return y;
    }

    static AttackedModel plain(LogitsGradient logits) {
        return new AttackedModel() {
            @Override
            public LossGradient lossGradient() {
                throw new UnsupportedOperationException("APGD differentiates logits");
            }

            @Override
            public LogitsGradient logitsGradient() {
                return logits;
            }
        };
    }

    /**
     * z = tanh(x W1 + b1) W2 + b2 (or z = x W + b without the hidden layer) in plain double arithmetic, row by row,
     * so an example's logits and gradient never depend on the other rows.
     */
    record PlainNet(double[][] w1, double[] b1, double[][] w2, double[] b2) implements LogitsGradient {

        static PlainNet linear(double[][] w, double[] b) {
            return new PlainNet(null, null, w, b);
        }

        static PlainNet random(int inputs, int hidden, int classes, Random random) {
            return new PlainNet(gaussian(inputs, hidden, 1.5, random), gaussian(1, hidden, 0.5, random)[0],
                    gaussian(hidden, classes, 1.5, random), gaussian(1, classes, 0.5, random)[0]);
        }

        private static double[][] gaussian(int rows, int cols, double scale, Random random) {
            double[][] m = new double[rows][cols];
            for (double[] row : m) {
                for (int j = 0; j < cols; j++) {
                    row[j] = scale * random.nextGaussian();
                }
            }
            return m;
        }

        @Override
        public Pass pass(INDArray x, LogitLoss loss) {
            double[][] in = x.reshape(x.size(0), -1).toDoubleMatrix();
            double[][] hidden = new double[in.length][];
            double[][] logits = new double[in.length][];
            for (int i = 0; i < in.length; i++) {
                hidden[i] = w1 == null ? in[i] : layer(in[i], w1, b1, true);
                logits[i] = layer(hidden[i], w2, b2, false);
            }
            INDArray z = Nd4j.createFromArray(logits);
            double[][] dz = loss.gradient(z).toDoubleMatrix();
            double[][] dx = new double[in.length][];
            for (int i = 0; i < in.length; i++) {
                double[] dh = back(dz[i], w2);
                if (w1 != null) {
                    for (int j = 0; j < dh.length; j++) {
                        dh[j] *= 1 - hidden[i][j] * hidden[i][j];
                    }
                    dh = back(dh, w1);
                }
                dx[i] = dh;
            }
            return new Pass(z, Nd4j.createFromArray(dx).reshape(x.shape()));
        }

        /** One-hot labels of the classes the network predicts, so every example starts correctly classified. */
        INDArray oneHotPredictions(INDArray x) {
            return oneHot(predictions(x), b2.length);
        }

        int[] predictions(INDArray x) {
            double[][] z = pass(x, Apgd.Loss.CE.bind(new int[(int) x.size(0)], null)).logits().toDoubleMatrix();
            return Arrays.stream(z).mapToInt(Apgd::argMax).toArray();
        }

        private static double[] layer(double[] in, double[][] w, double[] b, boolean tanh) {
            double[] out = b.clone();
            for (int d = 0; d < in.length; d++) {
                for (int j = 0; j < out.length; j++) {
                    out[j] += in[d] * w[d][j];
                }
            }
            if (tanh) {
                for (int j = 0; j < out.length; j++) {
                    out[j] = Math.tanh(out[j]);
                }
            }
            return out;
        }

        private static double[] back(double[] dOut, double[][] w) {
            double[] dIn = new double[w.length];
            for (int d = 0; d < w.length; d++) {
                for (int j = 0; j < dOut.length; j++) {
                    dIn[d] += w[d][j] * dOut[j];
                }
            }
            return dIn;
        }
    }
}
