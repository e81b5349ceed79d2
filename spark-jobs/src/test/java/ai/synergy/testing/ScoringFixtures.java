package ai.synergy.testing;

import ai.synergy.config.Json;
import ai.synergy.dataset.Augmentation;
import ai.synergy.dataset.DataSource;
import ai.synergy.dataset.DataSpec;
import ai.synergy.io.HadoopFiles;
import ai.synergy.jobs.PredictJob;
import ai.synergy.jobs.RunOutputs;
import ai.synergy.model.ResNets;
import ai.synergy.training.CheckpointState;
import ai.synergy.training.TrainConfig;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Models and data for the scoring tests ({@code predict}, the Spark ML transformer): the golden shards and run
 * folders holding an untrained ResNet-8 with the provenance ({@code model.json}) of the data it was "trained" on.
 */
public final class ScoringFixtures {
    /** The shards of the first shard format: 2 classes, 6 training and 2 validation JPEGs, 32 pixels short side. */
    public static final Path GOLDEN = Path.of("src/test/resources/golden/shards-v1").toAbsolutePath();

    private ScoringFixtures() {
    }

    /** {@code imagenet:} data on the golden shards at {@code size}, the whole image kept by the center crop. */
    public static DataSpec goldenShards(int size) {
        return DataSource.of("imagenet:" + GOLDEN.toUri()).imageSize(size).augmentation(Augmentation.NONE)
                .evalCrop(1.0).resolve(new Configuration());
    }

    /**
     * Writes a run folder {@code dir} with {@code model.zip} (an untrained ResNet-8 of width 0.5 for {@code data},
     * seeded) and {@code model.json} naming {@code data}; returns the network.
     */
    public static ComputationGraph writeRun(Path dir, DataSpec data, long seed) throws IOException {
        TrainConfig config = TrainConfig.builder().data(data).model("resnet8").width(0.5).seed(seed).build();
        ComputationGraph graph = ResNets.create(config.model(), config.optimizer());
        CheckpointState state = new CheckpointState(1, config, "fingerprint", "test", "2026-01-01T00:00:00Z",
                List.of(), List.of());
        RunOutputs.writeModel(HadoopFiles.of(dir.toString(), new Configuration()),
                new org.apache.hadoop.fs.Path(dir.toUri()), graph, Json.write(state));
        return graph;
    }

    /** The session of a test's context. */
    public static SparkSession session(JavaSparkContext jsc) {
        return SparkSession.builder().config(jsc.getConf()).getOrCreate();
    }

    /** Runs {@code predict}, returning its result and what it printed. */
    public static Predicted predict(JavaSparkContext jsc, PredictJob.Settings settings) throws IOException {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PredictJob.Result result = PredictJob.run(session(jsc), settings, new PrintStream(console, true,
                StandardCharsets.UTF_8));
        return new Predicted(result, console.toString(StandardCharsets.UTF_8));
    }

    /** What a {@code predict} run returned and printed. */
    public record Predicted(PredictJob.Result result, String console) {
    }
}
