package ai.synergy.training;

import ai.synergy.adversarial.GraphLossGradient;
import org.apache.spark.TaskContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Executor side: a dl4j-spark {@link TrainingHook} that replaces the first {@code ratio} of each minibatch's examples
 * with PGD examples made against the worker's local model as it is right before the update (the W-step of
 * adversarial training, docs/methods.md section 2). The attack's random start is seeded by (seed, worker, the
 * minibatch's content, minibatch count), so attacks are reproducible (resume sees the same ones) yet differ between
 * workers, rounds and epochs. The gradient copy of the network (an {@code InputGradientGraph}) is built on the
 * executor once per network configuration and pooled slot, not once per task: under {@link RoundTrainingWorker} the
 * hook takes an idle copy of the round's configuration from this JVM's pool when the round starts and hands it back
 * when it ends; before every attack the copy takes the worker's current parameters and counters, so a pooled copy
 * attacks exactly as a freshly built one. Outside such a worker (no round started) it builds its own copy.
 */
public final class AdversarialHook implements RoundScopedHook {
    /** Idle gradient copies in this JVM (like the networks of {@link NetworkPool}, one per concurrent task). */
    private static final IdlePool<GraphLossGradient> POOL = new IdlePool<>(NetworkPool.MAX_IDLE);

    private final AdversarialTraining settings;
    private final long seed;
    private transient String configurationKey;
    private transient GraphLossGradient gradient;
    private transient long minibatches;

    public AdversarialHook(AdversarialTraining settings, long seed) {
        if (!settings.enabled()) {
            throw new IllegalArgumentException("adversarial hook without an attack");
        }
        this.settings = settings;
        this.seed = seed;
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        ComputationGraph graph = (ComputationGraph) model;
        if (gradient == null && configurationKey != null) {
            gradient = POOL.take(configurationKey).orElse(null);
        }
        if (gradient == null) {
            gradient = new GraphLossGradient(graph);
            POOL.countBuilt();
        } else {
            gradient.syncFrom(graph);
        }
        INDArray x = minibatch.getFeatures(0);
        long n = x.size(0);
        long attacked = Math.round(settings.ratio() * n);
        if (attacked == 0) {
            return;
        }
        INDArray natural = attacked == n ? x : x.get(NDArrayIndex.interval(0, attacked));
        INDArray labels = attacked == n ? minibatch.getLabels(0)
                : minibatch.getLabels(0).get(NDArrayIndex.interval(0, attacked));
        INDArray adversarial = settings.attack().attack(gradient, natural.dup(), labels.dup(),
                attackSeed(natural));
        if (attacked == n) {
            minibatch.setFeatures(0, adversarial);
        } else {
            INDArray mixed = x.dup();
            mixed.get(NDArrayIndex.interval(0, attacked)).assign(adversarial);
            minibatch.setFeatures(0, mixed);
        }
    }

    private long attackSeed(INDArray natural) {
        TaskContext task = TaskContext.get();
        long worker = task == null ? 0 : task.partitionId();
        long content = Double.hashCode(natural.sumNumber().doubleValue());
        return ((seed * 1_000_003L + worker) * 1_000_033L + content) * 1_000_037L + minibatches++;
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }

    @Override
    public void roundStarted(String configurationKey) {
        this.configurationKey = configurationKey;
    }

    @Override
    public void roundEnded() {
        if (configurationKey != null && gradient != null) {
            POOL.giveBack(configurationKey, gradient);
        }
        gradient = null;
        configurationKey = null;
    }

    /** Gradient copies built in this JVM so far (for tests and logs). */
    static long gradientCopiesBuilt() {
        return POOL.built();
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        throw new UnsupportedOperationException("the project's networks are ComputationGraphs fed MultiDataSets");
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
    }
}
