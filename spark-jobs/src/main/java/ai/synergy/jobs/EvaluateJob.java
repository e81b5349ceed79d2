package ai.synergy.jobs;

import ai.synergy.checkpoint.HadoopFiles;
import ai.synergy.config.InvalidInputException;
import ai.synergy.dks.SynergyLoss;
import ai.synergy.adversarial.Pgd;
import ai.synergy.evaluation.DistributedEvaluator;
import ai.synergy.evaluation.RobustCounts;
import ai.synergy.evaluation.TopKCounts;
import ai.synergy.sharding.ShardedDataset;
import ai.synergy.spark.SparkErrors;
import ai.synergy.training.DataSpec;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import ai.synergy.nd4j.BatchNormHelpers;
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
 * naturally or also under a PGD/FGSM attack.
 */
public final class EvaluateJob {
    private EvaluateJob() {
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
                                              int batchSize, Pgd attack, long seed) throws IOException {
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
            BatchNormHelpers.install(graph);
            return graph;
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException("--model: " + modelUri + " is not a DL4J ComputationGraph zip ("
                    + e.getMessage() + ")", e);
        }
    }
}
