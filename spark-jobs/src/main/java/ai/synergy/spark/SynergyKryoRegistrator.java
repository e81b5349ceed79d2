package ai.synergy.spark;

import ai.synergy.dataset.ImageShard;
import ai.synergy.dataset.JpegShards;
import ai.synergy.dataset.WorkerShard;
import ai.synergy.evaluation.HeadCounts;
import ai.synergy.evaluation.ModelSnapshot;
import ai.synergy.evaluation.RobustCounts;
import ai.synergy.evaluation.TopKCounts;
import ai.synergy.prediction.ScoringNetwork;
import ai.synergy.prepare.ScanResult;
import ai.synergy.prepare.ShardResult;
import ai.synergy.prepare.ShardTask;
import ai.synergy.prepare.SkippedFile;
import ai.synergy.prepare.SourceImage;
import ai.synergy.pruning.AdmmState;
import ai.synergy.pruning.Masks;
import ai.synergy.quantization.FrozenWeights;
import ai.synergy.training.RoundParameters;
import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.apache.spark.serializer.KryoRegistrator;
import org.deeplearning4j.spark.api.stats.CommonSparkTrainingStats;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.paramavg.aggregator.ParameterAveragingAggregationTuple;
import org.nd4j.kryo.Nd4jSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Both sides: registers every class the jobs put through Spark's Kryo serializer (broadcasts, task results,
 * aggregation), so that clusters can run with {@code spark.kryo.registrationRequired=true}. ND4J arrays go through
 * ND4J's own {@link Nd4jSerializer} (nd4j-kryo M2 ships the serializer but no registrator of its own); the project's
 * and DL4J's records and state objects, which are {@link java.io.Serializable} and often immutable, go through Java
 * serialization inside Kryo, which keeps their invariants without a hand-written serializer per class. The one
 * hand-written serializer is for dl4j-spark's averaging aggregate, every round's task result, whose arrays travel as
 * packed byte blocks ({@link PackedAggregationSerializer}).
 */
public final class SynergyKryoRegistrator implements KryoRegistrator {
    /** ND4J's array classes, by backend, by name: only the backend on the classpath is registered. */
    static final List<String> ND4J_ARRAYS = List.of(
            "org.nd4j.linalg.cpu.nativecpu.NDArray",
            "org.nd4j.linalg.jcublas.JCublasNDArray");

    /**
     * Classes serialized with Java serialization inside Kryo: dl4j-spark's broadcast of the network (its configuration
     * is a deep graph of DL4J objects that Java serialization already handles), the workers' training statistics inside
     * the averaging aggregate (for the epoch's time split), and the weight constraints the drivers broadcast. Records are not listed here: every record gets Java serialization (see {@link #registerClasses}).
     */
    static final List<Class<?>> JAVA_SERIALIZED = List.of(
            NetBroadcastTuple.class,
            CommonSparkTrainingStats.class,
            AdmmState.class,
            Masks.class,
            FrozenWeights.class);

    /** Records the jobs broadcast, collect or cache in serialized form. */
    static final List<Class<? extends Record>> RECORDS = List.of(
            ModelSnapshot.class,
            ScoringNetwork.Dl4j.class,
            ScoringNetwork.Onnx.class,
            HeadCounts.class,
            RobustCounts.class,
            TopKCounts.class,
            WorkerShard.ShardInfo.class,
            ImageShard.class,
            JpegShards.class,
            SourceImage.class,
            ScanResult.class,
            ShardTask.class,
            ShardResult.class,
            SkippedFile.class,
            RoundParameters.class);

    /**
     * Classes Kryo's field serializer handles, their ND4J arrays going through {@link Nd4jSerializer}: minibatches,
     * and the JDK containers inside them and inside the averaging aggregate.
     */
    static final List<Class<?>> FIELD_SERIALIZED = List.of(
            MultiDataSet.class,
            INDArray[].class,
            ArrayList.class,
            LinkedHashMap.class,
            TreeMap.class,
            AtomicInteger.class);

    @Override
    public void registerClasses(Kryo kryo) {
        // Kryo's field serializer cannot build records (no field offsets on Java 17): records use Java serialization
        kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
        Nd4jSerializer arrays = new Nd4jSerializer();
        for (String name : ND4J_ARRAYS) {
            load(name).ifPresent(c -> kryo.register(c, arrays));
        }
        JavaSerializer java = new JavaSerializer();
        for (Class<?> type : JAVA_SERIALIZED) {
            kryo.register(type, java);
        }
        for (Class<?> type : RECORDS) {
            kryo.register(type);
        }
        for (Class<?> type : FIELD_SERIALIZED) {
            kryo.register(type);
        }
        // every round's task result: parameters and updater state as packed byte blocks, not element by element
        kryo.register(ParameterAveragingAggregationTuple.class, new PackedAggregationSerializer());
    }

    /** A class by name if it is on the classpath (ND4J's backends: only one is). */
    private static Optional<Class<?>> load(String name) {
        try {
            return Optional.of(Class.forName(name, false, SynergyKryoRegistrator.class.getClassLoader()));
        } catch (ClassNotFoundException e) {
            return Optional.empty();
        }
    }
}
