package ai.synergy.bench;

import ai.synergy.config.Json;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import ai.synergy.nd4j.Nd4jRuntime;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Benchmark child (not a test): DL4J training images/s of one ResNet in this JVM alone, {@code fit} on minibatches
 * already in memory (the pure compute path, no Spark, no data loading), medians of timed windows after a warm-up.
 * {@link ThroughputBench} runs it as a separate JVM next to the Spark runs and the PyTorch anchor.
 */
@Command(name = "fit-throughput", mixinStandardHelpOptions = true,
        description = "DL4J training images/s of one ResNet in a single JVM (synthetic in-memory minibatches)")
public final class FitThroughputBench implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "resnet20 (3x32x32) or resnet18 (3x224x224)")
    String model;
    @Option(names = "--batch", required = true, description = "Minibatch size")
    int batch;
    @Option(names = "--threads", required = true, description = "ND4J native threads (OpenMP and BLAS)")
    int threads;
    @Option(names = "--warmup", defaultValue = "3", description = "Untimed steps first (default: ${DEFAULT-VALUE})")
    int warmup;
    @Option(names = "--steps", required = true, description = "Steps per timed window")
    int steps;
    @Option(names = "--windows", defaultValue = "3", description = "Timed windows (default: ${DEFAULT-VALUE})")
    int windows;
    @Option(names = "--classes", defaultValue = "10", description = "Output classes (default: ${DEFAULT-VALUE})")
    int classes;
    @Option(names = "--cache-mode", description = "Override the ResNets' DL4J cache mode (NONE = no cached forward "
            + "pass, as before; default: the project's setting)")
    CacheMode cacheMode;
    @Option(names = "--out", required = true, description = "Result JSON file")
    Path out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new FitThroughputBench()).execute(args));
    }

    /** Input side of the benchmark's models: 32 for the CIFAR family, 224 for the ImageNet family. */
    static int inputSize(ModelArchitecture architecture) {
        return architecture.family() == ModelArchitecture.Family.IMAGENET ? 224 : 32;
    }

    /** The benchmark's model: 3-channel input of {@link #inputSize}, the given classes, seed 1. */
    static ModelSpec spec(String model, int classes) {
        ModelArchitecture architecture = ModelArchitecture.parse(model);
        int size = inputSize(architecture);
        return new ModelSpec(architecture, 1, 3, size, size, classes, List.of(0.5, 0.5, 0.5),
                List.of(0.25, 0.25, 0.25), 1);
    }

    @Override
    public Integer call() throws Exception {
        if (batch < 1 || threads < 1 || steps < 1 || windows < 1 || warmup < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--batch, --threads, --steps and --windows must be >= 1 and --warmup >= 0");
        }
        Nd4jRuntime.enableLayerHelpers();
        Nd4jRuntime.configureThreads(threads);
        ModelSpec spec = spec(model, classes);
        ComputationGraph graph = ResNets.create(spec, new OptimizerSpec(0.05, 0.9, 5e-4));
        if (cacheMode != null) {
            graph.getConfiguration().setCacheMode(cacheMode);
            graph.setCacheMode(cacheMode);
        }
        int size = spec.inputHeight();
        List<MultiDataSet> batches = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            INDArray x = Nd4j.rand(DataType.FLOAT, batch, 3, size, size);
            INDArray y = Nd4j.zeros(DataType.FLOAT, batch, classes);
            for (int r = 0; r < batch; r++) {
                y.putScalar(r, (r * 7 + i) % classes, 1f);
            }
            batches.add(new MultiDataSet(x, y));
        }
        for (int i = 0; i < warmup; i++) {
            graph.fit(batches.get(i % batches.size()));
        }
        List<Double> samples = new ArrayList<>();
        for (int w = 0; w < windows; w++) {
            long start = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                graph.fit(batches.get(i % batches.size()));
            }
            samples.add(steps * (double) batch / ((System.nanoTime() - start) / 1e9));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", spec.architecture().canonicalName());
        result.put("batch", batch);
        result.put("threads", threads);
        result.put("cacheMode", String.valueOf(graph.getConfiguration().getCacheMode()));
        result.put("imagesPerSecondSamples", samples);
        result.put("imagesPerSecondMedian", BenchResults.median(samples));
        result.put("parameters", graph.numParams());
        result.put("helpers", Nd4jRuntime.helperSummary(graph));
        result.put("nd4j", Nd4jRuntime.describe());
        BenchResults.write(out, Json.write(result));
        System.out.printf("%s batch %d threads %d: %.1f images/s (median of %s)%n", model, batch, threads,
                BenchResults.median(samples), samples);
        return 0;
    }
}
