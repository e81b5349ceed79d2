package ai.synergy.jobs;

import ai.synergy.config.Require;
import ai.synergy.dataset.DataSource;
import ai.synergy.io.HadoopFiles;
import ai.synergy.training.Averaging;
import com.fasterxml.jackson.annotation.JsonInclude;
import ai.synergy.config.InvalidInputException;
import ai.synergy.dks.SynergyLoss;
import ai.synergy.adversarial.Attack;
import ai.synergy.evaluation.DistributedEvaluator;
import ai.synergy.evaluation.RobustCounts;
import ai.synergy.evaluation.TopKCounts;
import ai.synergy.dataset.DataSpec;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import ai.synergy.nd4j.LayerHelpers;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Driver side of {@code evaluate}: loads an exported model and scores it on a data set's test split, on executors,
 * naturally or also under an attack (PGD, FGSM, APGD, AutoAttack-lite).
 */
public final class EvaluateJob {
    private EvaluateJob() {
    }

    /**
     * What {@code evaluate} scores and how.
     *
     * @param model      URI of the model zip
     * @param data       the data set whose test split is scored
     * @param workers    shards = partitions
     * @param batchSize  evaluation minibatch
     * @param attackName how the attack was asked for (pgd, fgsm, apgd-ce, apgd-dlr, apgd-dlr-targeted,
     *                   autoattack-lite), or null for natural evaluation only
     * @param attack     the attack, or null
     * @param seed       seed of the attack's random starts
     */
    public record Settings(String model, DataSource data, int workers, int batchSize, String attackName,
                           Attack attack, long seed) {
        /** Natural evaluation's minibatch. */
        public static final int DEFAULT_BATCH_SIZE = 256;

        public Settings {
            Require.that(model != null && !model.isBlank(), "model", "must be set (a model zip)");
            Require.atLeast("workers", workers, 1);
            Require.atLeast("batchSize", batchSize, 1);
        }

        /** {@code model} on Fashion-MNIST, every other setting at its default, no attack. */
        public static Settings of(String model) {
            return new Settings(model, DataSource.fashionMnist(), Averaging.WORKERS, DEFAULT_BATCH_SIZE, null, null,
                    Averaging.SEED);
        }

        /** The same on another data set. */
        public Settings data(DataSource value) {
            return new Settings(model, value, workers, batchSize, attackName, attack, seed);
        }

        /** The same in another number of shards. */
        public Settings workers(int value) {
            return new Settings(model, data, value, batchSize, attackName, attack, seed);
        }

        /** The same with another minibatch. */
        public Settings batchSize(int value) {
            return new Settings(model, data, workers, value, attackName, attack, seed);
        }

        /**
         * The same, also under the attack {@code value} as asked for by {@code name} (pgd, fgsm, ...), its random
         * starts seeded by {@code attackSeed}.
         */
        public Settings attack(String name, Attack value, long attackSeed) {
            return new Settings(model, data, workers, batchSize, value == null ? null : name, value, attackSeed);
        }

        /** The same, also under {@code attack}, named as it names itself ({@link Attack#name()}). */
        public Settings attack(Attack value, long attackSeed) {
            return attack(value == null ? null : value.name(), value, attackSeed);
        }
    }

    /**
     * One evaluation's result: top-1/top-5 and loss, or natural and adversarial top-1 under an attack (null
     * components are left out of its JSON line).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Result(String model, String data, long examples, Double top1, Double top5, Double loss,
                         String attack, Double naturalTop1, Double adversarialTop1) {
    }

    /** Scores {@code settings.model()} on its data set's test split, on the executors. */
    public static Result evaluate(JavaSparkContext jsc, Settings settings) throws IOException {
        DataSpec data = settings.data().resolve(jsc.hadoopConfiguration());
        if (settings.attack() == null) {
            TopKCounts counts = run(jsc, settings.model(), data, settings.workers(), settings.batchSize());
            return new Result(settings.model(), data.name(), counts.examples(), counts.top1(), counts.top5(),
                    counts.meanLoss(), null, null, null);
        }
        RobustCounts counts = runUnderAttack(jsc, settings.model(), data, settings.workers(), settings.batchSize(),
                settings.attack(), settings.seed());
        String attack = settings.attackName() + " " + settings.attack().describe();
        return new Result(settings.model(), data.name(), counts.natural().examples(), null, null, null, attack,
                counts.natural().top1(), counts.adversarial().top1());
    }

    /** Top-1/top-5 counts of the model at {@code modelUri} on {@code data}'s test split, in {@code workers} shards. */
    public static TopKCounts run(JavaSparkContext jsc, String modelUri, DataSpec data, int workers, int batchSize)
            throws IOException {
        ComputationGraph graph = loadFor(jsc, modelUri, data);
        return LoadedData.use(jsc, data, workers, shards ->
                DistributedEvaluator.evaluate(jsc, graph, shards.test(), batchSize, data.batchSpec()).main());
    }

    /**
     * Natural and adversarial counts of the model at {@code modelUri} on {@code data}'s test split: every minibatch is
     * attacked on the executors with {@code attack} against the model itself.
     */
    public static RobustCounts runUnderAttack(JavaSparkContext jsc, String modelUri, DataSpec data, int workers,
                                              int batchSize, Attack attack, long seed) throws IOException {
        ComputationGraph graph = loadFor(jsc, modelUri, data);
        return LoadedData.use(jsc, data, workers, shards -> DistributedEvaluator.evaluateUnderAttack(jsc, graph,
                shards.test(), batchSize, data.batchSpec(), attack, seed));
    }

    /** Loads a model and checks that it classifies {@code data}'s classes. */
    static ComputationGraph loadFor(JavaSparkContext jsc, String modelUri, DataSpec data) throws IOException {
        ComputationGraph graph = load(jsc, modelUri);
        String output = graph.getConfiguration().getNetworkOutputs().get(0);
        var outputLayer = ((LayerVertex) graph.getConfiguration().getVertices().get(output)).getLayerConf().getLayer();
        long outputs = outputLayer instanceof FeedForwardLayer classifier ? classifier.getNOut()
                : outputLayer instanceof LossLayer loss && loss.getLossFn() instanceof SynergyLoss synergy
                ? synergy.getClasses() : -1;
        if (outputs != data.numClasses()) {
            throw new InvalidInputException("--model " + modelUri + ": the network has " + outputs
                    + " outputs but --data " + data.name() + " has " + data.numClasses() + " classes");
        }
        requireInputShape(graph, modelUri, data);
        return graph;
    }

    /**
     * Checks that the network takes {@code data}'s images (channels x height x width) with one forward pass on a blank
     * image (DL4J does not keep a graph's input type in the saved configuration), so a mismatch is one line here
     * rather than a failure on every executor.
     */
    static void requireInputShape(ComputationGraph graph, String modelUri, DataSpec data) {
        String given = data.channels() + "x" + data.height() + "x" + data.width();
        try {
            graph.output(false, Nd4j.zeros(DataType.FLOAT, 1, data.channels(), data.height(), data.width()));
        } catch (RuntimeException e) {
            throw new InvalidInputException("--model " + modelUri + ": the network does not take --data "
                    + data.name() + "'s " + given + " images (channels x height x width): " + firstLine(e.getMessage()),
                    e);
        }
    }

    private static String firstLine(String message) {
        return message == null ? "no message" : message.lines().findFirst().orElse("");
    }

    /** Reads a ModelSerializer zip from any Hadoop file system, with errors that name the file. */
    public static ComputationGraph load(JavaSparkContext jsc, String modelUri) throws IOException {
        HadoopFiles files = HadoopFiles.of(modelUri, jsc.hadoopConfiguration());
        Path path = HadoopFiles.path(modelUri);
        files.requireNonEmptyFile(path, "--model", "");
        try {
            ComputationGraph graph = ModelSerializer.restoreComputationGraph(
                    new ByteArrayInputStream(files.readBytes(path)), false);
            LayerHelpers.install(graph);
            return graph;
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException("--model: " + modelUri + " is not a DL4J ComputationGraph zip ("
                    + e.getMessage() + ")", e);
        }
    }
}
