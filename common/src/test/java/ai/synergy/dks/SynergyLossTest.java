package ai.synergy.dks;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Conventions (those of DL4J's LossMCXENT): {@code computeGradient} is per example, i.e. the derivative of the summed
 * score {@code computeScore(average = false)} = B * {@code computeScore(average = true)}; dividing it by B gives
 * docs/methods.md's batch-mean gradient. The teachers are stop-gradient, so the gradient is the derivative of the
 * score with the teachers frozen (the package-private {@code computeScoreArray} with separate teacher logits), not
 * of the plain score. Everything in DOUBLE unless stated.
 */
class SynergyLossTest {
    private static final IActivation IDENTITY = new ActivationIdentity();

    /** docs/methods.md section 1 check vector: B = 2, C = 3, M = 3, labels [0, 1], rows [z0 z1 z2]. */
    private static final double[][] CHECK_LOGITS = {
            {2, 1, .1, 1.5, .3, .2, 3, -1, 0},
            {.5, 2.5, -1, 0, 1, 1, -.5, 2, .5}};
    private static final double[][] CHECK_LABELS = {{1, 0, 0}, {0, 1, 0}};

    private static INDArray checkLogits(DataType type) {
        return Nd4j.create(CHECK_LOGITS).castTo(type);
    }

    private static INDArray checkLabels(DataType type) {
        return Nd4j.create(CHECK_LABELS).castTo(type);
    }

    private static void assertRow(INDArray actual, long row, double[] expected, double eps) {
        for (int c = 0; c < expected.length; c++) {
            assertThat(actual.getDouble(row, c)).as("[%d, %d]", row, c).isCloseTo(expected[c], within(eps));
        }
    }

    @Test
    void checkVectorPartsMatchAlgorithmsMd() {
        SynergyLoss loss = SynergyLoss.dks(3, 3);
        INDArray z = checkLogits(DataType.DOUBLE);
        INDArray y = checkLabels(DataType.DOUBLE);

        double[] ce = loss.meanCrossEntropy(y, z);
        assertThat(ce[0]).isCloseTo(0.285104, within(1e-6));
        assertThat(ce[1]).isCloseTo(0.657720, within(1e-6));
        assertThat(ce[2]).isCloseTo(0.166126, within(1e-6));

        double[][] kl = loss.meanKl(z); // [teacher n][student m] = KL(p_n || p_m)
        assertThat(kl[1][0]).isCloseTo(0.476937, within(1e-6));
        assertThat(kl[2][0]).isCloseTo(0.222850, within(1e-6));
        assertThat(kl[0][1]).isCloseTo(0.263892, within(1e-6));
        assertThat(kl[2][1]).isCloseTo(0.252585, within(1e-6));
        assertThat(kl[0][2]).isCloseTo(0.302002, within(1e-6));
        assertThat(kl[1][2]).isCloseTo(0.356811, within(1e-6));
        double synergy = 0;
        for (int n = 0; n < 3; n++) {
            assertThat(kl[n][n]).isZero();
            for (int m = 0; m < 3; m++) {
                synergy += kl[n][m];
            }
        }
        assertThat(synergy).isCloseTo(1.875077, within(1e-6));

        assertThat(loss.computeScore(y, z, IDENTITY, null, true)).isCloseTo(2.984027, within(1e-6));
        assertThat(loss.computeScore(y, z, IDENTITY, null, false)).isCloseTo(2 * 2.9840276144, within(1e-9));
        INDArray perExample = loss.computeScoreArray(y, z, IDENTITY, null);
        assertThat(perExample.shape()).containsExactly(2, 1);
        assertThat(perExample.getDouble(0, 0)).isCloseTo(2.4273728224, within(1e-9));
        assertThat(perExample.getDouble(1, 0)).isCloseTo(3.5406824063, within(1e-9));
    }

    @Test
    void checkVectorGradientMatchesAlgorithmsMdAndTheClosedForm() {
        SynergyLoss loss = SynergyLoss.dks(3, 3);
        INDArray z = checkLogits(DataType.DOUBLE);
        INDArray y = checkLabels(DataType.DOUBLE);
        INDArray grad = loss.computeGradient(y, z, IDENTITY, null);
        assertThat(grad.shape()).containsExactly(2, 9);
        assertThat(grad.dataType()).isEqualTo(DataType.DOUBLE);

        // docs/methods.md's dL/dz0, row 0, is batch-mean: divide the per-example gradient by B = 2.
        assertRow(grad.div(2), 0, new double[]{-0.297335, 0.259381, 0.037954}, 1e-5);
        // every entry, per example (independent float64 computation)
        assertRow(grad, 0, new double[]{-0.5946707642, 0.5187618543, 0.0759089099,
                -0.688936804, 0.3145869006, 0.3743499034, 0.5142828878, -0.3823787264, -0.1319041615}, 1e-9);
        assertRow(grad, 1, new double[]{0.1300911873, 0.385454427, -0.5155456143,
                0.2870826626, -1.3571776224, 1.0700949598, -0.0828068984, 0.0181760108, 0.0646308876}, 1e-9);

        // closed form at T = w = 1: M softmax(z_m) - y - sum_{n != m} softmax(z_n)
        INDArray[] p = HeadOutputs.softmaxPerHead(z, 3, 3);
        for (int m = 0; m < 3; m++) {
            INDArray expected = p[m].mul(3).sub(y);
            for (int n = 0; n < 3; n++) {
                if (n != m) {
                    expected.subi(p[n]);
                }
            }
            assertThat(HeadOutputs.headView(grad, m, 3).equalsWithEps(expected, 1e-12)).as("head %d", m).isTrue();
        }
    }

    @Test
    void gradientIsTheFrozenTeacherDerivativeNotTheFullOne() {
        SynergyLoss loss = SynergyLoss.dks(3, 3);
        INDArray z = checkLogits(DataType.DOUBLE);
        INDArray y = checkLabels(DataType.DOUBLE);
        INDArray grad = loss.computeGradient(y, z, IDENTITY, null);
        // Central differences of the summed score with the teachers frozen at z agree with computeGradient ...
        INDArray frozen = finiteDifferences(loss, y, z, IDENTITY, null, true);
        assertThat(frozen.equalsWithEps(grad, 1e-9)).isTrue();
        // ... while those of the plain score (teachers move too) do not: for head 0, row 0, batch mean, they are
        // [-0.569196, 0.547262, 0.021934] against the stop-gradient [-0.297335, 0.259381, 0.037954].
        INDArray full = finiteDifferences(loss, y, z, IDENTITY, null, false);
        assertRow(full.div(2), 0, new double[]{-0.5691959, 0.5472618, 0.0219341}, 1e-6);
    }

    @Test
    void deepSupervisionIsTheSumOfPerHeadCrossEntropies() {
        SynergyLoss ds = SynergyLoss.deepSupervision(3, 3);
        assertThat(ds).isEqualTo(new SynergyLoss(3, 3, 0, 1));
        INDArray z = checkLogits(DataType.DOUBLE);
        INDArray y = checkLabels(DataType.DOUBLE);
        assertThat(ds.computeScore(y, z, IDENTITY, null, true)).isCloseTo(1.108950, within(1e-6));
        assertThat(ds.computeScore(y, z, IDENTITY, null, true)).isCloseTo(0.285104 + 0.657720 + 0.166126,
                within(3e-6));
        INDArray perExample = ds.computeScoreArray(y, z, IDENTITY, null);
        assertThat(perExample.getDouble(0, 0)).isCloseTo(0.9363599792, within(1e-9));
        assertThat(perExample.getDouble(1, 0)).isCloseTo(1.281540911, within(1e-9));

        INDArray grad = ds.computeGradient(y, z, IDENTITY, null);
        INDArray[] p = HeadOutputs.softmaxPerHead(z, 3, 3);
        for (int m = 0; m < 3; m++) {
            assertThat(HeadOutputs.headView(grad, m, 3).equalsWithEps(p[m].sub(y), 1e-12)).as("head %d", m).isTrue();
        }
    }

    @Test
    void temperatureAndWeightScaleTheSynergyTerm() {
        // L = sum CE + w T^2 sum KL(p_n^T || p_m^T) at T = 2, w = 0.5; independent float64 values
        SynergyLoss loss = new SynergyLoss(3, 3, 0.5, 2.0);
        INDArray z = checkLogits(DataType.DOUBLE);
        INDArray y = checkLabels(DataType.DOUBLE);
        assertThat(loss.computeScore(y, z, IDENTITY, null, true)).isCloseTo(2.5444996148, within(1e-9));
        INDArray grad = loss.computeGradient(y, z, IDENTITY, null);
        assertRow(grad, 0, new double[]{-0.5566398405, 0.4863707132, 0.0702691273,
                -0.6365943139, 0.3175098218, 0.3190844921, 0.4239094741, -0.3529105066, -0.0709989676}, 1e-9);
        assertRow(grad, 1, new double[]{0.1977798384, 0.2030871387, -0.4008669771,
                0.2192376454, -1.0275783913, 0.8083407459, -0.0826505324, -0.129055932, 0.2117064644}, 1e-9);
    }

    @Test
    void floatInputsGiveFloatResultsEqualToDouble() {
        SynergyLoss loss = new SynergyLoss(3, 3, 0.5, 2.0);
        INDArray gradF = loss.computeGradient(checkLabels(DataType.FLOAT), checkLogits(DataType.FLOAT), IDENTITY, null);
        INDArray scoresF = loss.computeScoreArray(checkLabels(DataType.DOUBLE), checkLogits(DataType.FLOAT),
                IDENTITY, null);
        assertThat(gradF.dataType()).isEqualTo(DataType.FLOAT);
        assertThat(scoresF.dataType()).isEqualTo(DataType.FLOAT);
        INDArray gradD = loss.computeGradient(checkLabels(DataType.DOUBLE), checkLogits(DataType.DOUBLE), IDENTITY,
                null);
        assertThat(gradF.castTo(DataType.DOUBLE).equalsWithEps(gradD, 1e-6)).isTrue();
        assertThat(loss.computeScore(checkLabels(DataType.FLOAT), checkLogits(DataType.FLOAT), IDENTITY, null, true))
                .isCloseTo(2.5444996148, within(1e-5));
    }

    @Test
    void gradientMatchesFiniteDifferencesOnRandomLogits() {
        SynergyLoss loss = new SynergyLoss(3, 5, 0.5, 2.0);
        Random random = new Random(20190603);
        int b = 4;
        double[][] logits = new double[b][15];
        double[][] labels = new double[b][5];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < 15; j++) {
                logits[i][j] = 3 * random.nextGaussian();
            }
            labels[i][random.nextInt(5)] = 1;
        }
        INDArray z = Nd4j.create(logits);
        INDArray y = Nd4j.create(labels);
        INDArray mask = Nd4j.create(new double[][]{{1}, {0}, {1}, {0.5}});

        // identity (the intended activation) and a non-identity one (tanh), each without and with the mask
        for (IActivation activation : new IActivation[]{IDENTITY, new ActivationTanH()}) {
            assertMatchesFiniteDifferences(loss, y, z, activation, null);
            assertMatchesFiniteDifferences(loss, y, z, activation, mask);
        }

        // the mask multiplies rows: a masked-out example has no gradient and no score; the mean still divides by B
        INDArray grad = loss.computeGradient(y, z, IDENTITY, mask);
        assertThat(grad.getRow(1).sumNumber().doubleValue()).isZero();
        INDArray unmasked = loss.computeGradient(y, z, IDENTITY, null);
        assertThat(grad.getRow(3).equalsWithEps(unmasked.getRow(3).mul(0.5), 1e-15)).isTrue();
        INDArray scores = loss.computeScoreArray(y, z, IDENTITY, null);
        double expectedMean = (scores.getDouble(0, 0) + scores.getDouble(2, 0) + 0.5 * scores.getDouble(3, 0)) / b;
        assertThat(loss.computeScore(y, z, IDENTITY, mask, true)).isCloseTo(expectedMean, within(1e-12));
        assertThat(loss.computeScore(y, z, IDENTITY, mask.reshape(b), true)).isCloseTo(expectedMean, within(1e-12));
    }

    /**
     * computeGradient against {@link #finiteDifferences} with frozen teachers: relative error < 1e-6, measured
     * against max(|gradient|, 1e-4), i.e. absolute error < 1e-10 for gradients below 1e-4 (saturated tanh), as
     * rounding in the differences is about 1e-11 (DL4J's GradientCheckUtil likewise has a minimum absolute error).
     */
    private static void assertMatchesFiniteDifferences(SynergyLoss loss, INDArray y, INDArray z,
                                                       IActivation activation, INDArray mask) {
        INDArray grad = loss.computeGradient(y, z, activation, mask);
        INDArray numeric = finiteDifferences(loss, y, z, activation, mask, true);
        for (int i = 0; i < z.size(0); i++) {
            for (int j = 0; j < z.size(1); j++) {
                double a = grad.getDouble(i, j);
                double n = numeric.getDouble(i, j);
                double error = Math.abs(a - n) / Math.max(Math.max(Math.abs(a), Math.abs(n)), 1e-4);
                assertThat(error).as("%s, mask %s, [%d, %d]: %s vs %s", activation, mask != null, i, j, a, n)
                        .isLessThan(1e-6);
            }
        }
    }

    /**
     * Five-point central differences (error O(h^4), h = 1e-4, so that rounding stays near 1e-11) of the summed
     * (masked) score, per logit. Examples are independent, so every perturbed copy of row i becomes a row of one
     * batch (with row i's label, mask and teacher) and a single computeScoreArray call scores them all. With
     * {@code frozenTeachers} the teachers stay at {@code z} while the student logits move (the objective
     * {@code computeGradient} differentiates); without, the teachers move too (the plain score).
     */
    private static INDArray finiteDifferences(SynergyLoss loss, INDArray y, INDArray z, IActivation activation,
                                              INDArray mask, boolean frozenTeachers) {
        double h = 1e-4;
        double[] steps = {2 * h, h, -h, -2 * h};
        int rows = (int) z.size(0);
        int cols = (int) z.size(1);
        int batch = rows * cols * steps.length;
        INDArray students = Nd4j.create(z.dataType(), batch, cols);
        INDArray teachers = Nd4j.create(z.dataType(), batch, cols);
        INDArray labels = Nd4j.create(z.dataType(), batch, y.size(1));
        INDArray masks = Nd4j.create(z.dataType(), batch, 1);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                for (int k = 0; k < steps.length; k++) {
                    int r = (i * cols + j) * steps.length + k;
                    students.putRow(r, z.getRow(i));
                    students.putScalar(r, j, z.getDouble(i, j) + steps[k]);
                    teachers.putRow(r, frozenTeachers ? z.getRow(i) : students.getRow(r));
                    labels.putRow(r, y.getRow(i));
                    masks.putScalar(r, 0, mask == null ? 1.0 : mask.getDouble(i));
                }
            }
        }
        INDArray f = loss.computeScoreArray(labels, students, teachers, activation, masks);
        INDArray out = z.like();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                int r = (i * cols + j) * steps.length;
                out.putScalar(i, j, (-f.getDouble(r, 0) + 8 * f.getDouble(r + 1, 0) - 8 * f.getDouble(r + 2, 0)
                        + f.getDouble(r + 3, 0)) / (12 * h));
            }
        }
        return out;
    }

    @Test
    void survivesDl4jJsonAndJavaSerialization() throws Exception {
        SynergyLoss original = new SynergyLoss(3, 3, 1, 1);
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .graphBuilder()
                .addInputs("logits")
                .setInputTypes(InputType.feedForward(9))
                .addLayer("loss", new LossLayer.Builder(original).activation(Activation.IDENTITY).build(), "logits")
                .setOutputs("loss")
                .build();
        String json = conf.toJson();
        assertThat(json).contains(SynergyLoss.class.getName()).contains("synergyWeight");
        ComputationGraphConfiguration restored = ComputationGraphConfiguration.fromJson(json);
        assertThat(restored).isEqualTo(conf);
        ILossFunction restoredLoss = ((LossLayer) ((LayerVertex) restored.getVertices().get("loss"))
                .getLayerConf().getLayer()).getLossFn();
        assertThat(restoredLoss).isInstanceOf(SynergyLoss.class).isEqualTo(original).isNotSameAs(original);
        assertThat(restoredLoss.hashCode()).isEqualTo(original.hashCode());

        SynergyLoss other = new SynergyLoss(2, 10, 0.25, 3);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(other);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            SynergyLoss copy = (SynergyLoss) in.readObject();
            assertThat(copy).isEqualTo(other).hasSameHashCodeAs(other);
            assertThat(copy.getHeads()).isEqualTo(2);
            assertThat(copy.getClasses()).isEqualTo(10);
            assertThat(copy.getSynergyWeight()).isEqualTo(0.25);
            assertThat(copy.getTemperature()).isEqualTo(3.0);
        }
        assertThat(other.name()).isEqualTo("SynergyLoss(heads=2, classes=10, synergyWeight=0.25, temperature=3.0)");
        assertThat(other).isNotEqualTo(new SynergyLoss(2, 10, 0.25, 2));
    }

    @Test
    void trainsTwoHeadsInADl4jGraph() {
        int classes = 3;
        SynergyLoss loss = SynergyLoss.dks(2, classes);
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .seed(7)
                .weightInit(WeightInit.XAVIER)
                .updater(new Adam(0.05))
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.feedForward(2))
                .addLayer("shared", new DenseLayer.Builder().nOut(8).activation(Activation.TANH).build(), "in")
                .addLayer("main", new DenseLayer.Builder().nOut(classes).activation(Activation.IDENTITY).build(),
                        "shared")
                .addLayer("aux", new DenseLayer.Builder().nOut(classes).activation(Activation.IDENTITY).build(),
                        "shared")
                .addVertex("merge", new MergeVertex(), "main", "aux")
                .addLayer("loss", new LossLayer.Builder(loss).activation(Activation.IDENTITY).build(), "merge")
                .setOutputs("loss")
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();

        // three well-separated Gaussian blobs in 2-D, 10 points each
        Random random = new Random(11);
        double[][] centres = {{2, 0}, {-1, 1.7}, {-1, -1.7}};
        int n = 30;
        double[][] x = new double[n][2];
        double[][] y = new double[n][classes];
        for (int i = 0; i < n; i++) {
            int c = i % classes;
            x[i][0] = centres[c][0] + 0.3 * random.nextGaussian();
            x[i][1] = centres[c][1] + 0.3 * random.nextGaussian();
            y[i][c] = 1;
        }
        DataSet data = new DataSet(Nd4j.create(x), Nd4j.create(y));

        double initial = graph.score(data);
        for (int i = 0; i < 50; i++) {
            graph.fit(data);
        }
        double last = graph.score(data);
        assertThat(last).isLessThan(0.5 * initial);

        // the graph's score is this loss, batch-mean, on the merged logits
        graph.setInputs(data.getFeatures());
        graph.setLabels(data.getLabels());
        graph.computeGradientAndScore();
        INDArray merged = graph.feedForward(data.getFeatures(), false).get("merge");
        assertThat(merged.shape()).containsExactly(n, 2 * classes);
        assertThat(graph.score()).isCloseTo(loss.computeScore(data.getLabels(), merged, IDENTITY, null, true),
                within(1e-9));

        // and the main head has learnt the blobs
        INDArray mainProbs = HeadOutputs.softmaxPerHead(merged, 2, classes)[0];
        assertThat(mainProbs.argMax(1).castTo(DataType.INT).toIntVector())
                .isEqualTo(data.getLabels().argMax(1).castTo(DataType.INT).toIntVector());
    }

    @Test
    void rejectsBadArgumentsNamingThem() {
        assertThatThrownBy(() -> new SynergyLoss(0, 3, 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("heads must be >= 1, got 0");
        assertThatThrownBy(() -> new SynergyLoss(3, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("classes must be >= 2, got 1");
        assertThatThrownBy(() -> new SynergyLoss(3, 3, -0.1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("synergyWeight").hasMessageContaining("-0.1");
        assertThatThrownBy(() -> new SynergyLoss(3, 3, Double.NaN, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("synergyWeight");
        assertThatThrownBy(() -> new SynergyLoss(3, 3, 1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("temperature must be finite and > 0, got 0.0");
        assertThatThrownBy(() -> new SynergyLoss(3, 3, 1, Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("temperature");

        SynergyLoss loss = SynergyLoss.dks(3, 3);
        INDArray z = checkLogits(DataType.DOUBLE);
        INDArray tiled = Nd4j.zeros(DataType.DOUBLE, 2, 9);
        assertThatThrownBy(() -> loss.computeScore(tiled, z, IDENTITY, null, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("labels must be one-hot [B, classes] = [2, 3] (the data pipeline's labels, not tiled "
                        + "per head), got [2, 9]");
        assertThatThrownBy(() -> loss.computeGradient(Nd4j.zeros(DataType.DOUBLE, 3, 3), z, IDENTITY, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("labels").hasMessageContaining("[3, 3]");
        assertThatThrownBy(() -> loss.computeGradient(checkLabels(DataType.DOUBLE), Nd4j.zeros(DataType.DOUBLE, 2, 6),
                IDENTITY, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("preOutput must be the concatenated logits [B, heads*classes] = [B, 9] (3 heads x 3 "
                        + "classes), got [2, 6]");
        assertThatThrownBy(() -> loss.computeScoreArray(checkLabels(DataType.DOUBLE), z, IDENTITY,
                Nd4j.ones(DataType.DOUBLE, 2, 9)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mask must be per example");
    }
}
