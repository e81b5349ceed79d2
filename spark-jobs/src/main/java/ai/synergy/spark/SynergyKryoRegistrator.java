package ai.synergy.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.apache.spark.serializer.KryoRegistrator;
import org.nd4j.kryo.Nd4jSerializer;

import java.util.List;
import java.util.Optional;

/**
 * Both sides: registers every class the jobs put through Spark's Kryo serializer (broadcasts, task results,
 * aggregation), so that clusters can run with {@code spark.kryo.registrationRequired=true}. ND4J arrays go through
 * ND4J's own {@link Nd4jSerializer} (nd4j-kryo M2 ships the serializer but no registrator of its own); the project's
 * and DL4J's records and state objects, which are {@link java.io.Serializable} and often immutable, go through Java
 * serialization inside Kryo, which keeps their invariants without a hand-written serializer per class.
 */
public final class SynergyKryoRegistrator implements KryoRegistrator {
    /** ND4J's array classes, by backend; those not on the classpath are skipped. */
    static final List<String> ND4J_ARRAYS = List.of(
            "org.nd4j.linalg.cpu.nativecpu.NDArray",
            "org.nd4j.linalg.jcublas.JCublasNDArray");

    /**
     * Classes serialized with Java serialization inside Kryo: dl4j-spark's broadcast of the network (its configuration
     * is a deep graph of DL4J objects that Java serialization already handles), the workers' training statistics inside
     * the averaging aggregate (for the epoch's time split), and the weight constraints the drivers broadcast. Records are not listed here: every record gets Java serialization (see {@link #registerClasses}).
     */
    static final List<String> JAVA_SERIALIZED = List.of(
            "org.deeplearning4j.spark.api.worker.NetBroadcastTuple",
            "org.deeplearning4j.spark.api.stats.CommonSparkTrainingStats",
            "ai.synergy.pruning.AdmmState",
            "ai.synergy.pruning.Masks",
            "ai.synergy.quantization.FrozenWeights");

    /** Records the jobs broadcast, collect or cache in serialized form. */
    static final List<String> RECORDS = List.of(
            "ai.synergy.evaluation.ModelSnapshot",
            "ai.synergy.evaluation.HeadCounts",
            "ai.synergy.evaluation.RobustCounts",
            "ai.synergy.evaluation.TopKCounts",
            "ai.synergy.sharding.WorkerShard$ShardInfo",
            "ai.synergy.sharding.ImageShard",
            "ai.synergy.sharding.JpegShards",
            "ai.synergy.sharding.SourceImage",
            "ai.synergy.sharding.ScanResult",
            "ai.synergy.sharding.ShardTask",
            "ai.synergy.sharding.ShardResult",
            "ai.synergy.sharding.SkippedFile",
            "ai.synergy.training.RoundParameters");

    /**
     * Classes Kryo's field serializer handles, their ND4J arrays going through {@link Nd4jSerializer}: dl4j-spark's
     * averaging aggregate (tree-aggregated between executors every round), minibatches, and the JDK containers
     * inside them.
     */
    static final List<String> FIELD_SERIALIZED = List.of(
            "org.deeplearning4j.spark.impl.paramavg.aggregator.ParameterAveragingAggregationTuple",
            "org.nd4j.linalg.dataset.MultiDataSet",
            "[Lorg.nd4j.linalg.api.ndarray.INDArray;",
            "java.util.ArrayList",
            "java.util.LinkedHashMap",
            "java.util.TreeMap",
            "java.util.concurrent.atomic.AtomicInteger");

    @Override
    public void registerClasses(Kryo kryo) {
        // Kryo's field serializer cannot build records (no field offsets on Java 17): records use Java serialization
        kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
        Nd4jSerializer arrays = new Nd4jSerializer();
        for (String name : ND4J_ARRAYS) {
            load(name, false).ifPresent(c -> kryo.register(c, arrays));
        }
        JavaSerializer java = new JavaSerializer();
        for (String name : JAVA_SERIALIZED) {
            kryo.register(load(name, true).orElseThrow(), java);
        }
        for (String name : RECORDS) {
            kryo.register(load(name, true).orElseThrow());
        }
        for (String name : FIELD_SERIALIZED) {
            kryo.register(load(name, true).orElseThrow());
        }
    }

    private static Optional<Class<?>> load(String name, boolean required) {
        try {
            return Optional.of(Class.forName(name, false, SynergyKryoRegistrator.class.getClassLoader()));
        } catch (ClassNotFoundException e) {
            if (required) {
                throw new IllegalStateException("Kryo registration: class " + name + " is not on the classpath", e);
            }
            return Optional.empty();
        }
    }
}
