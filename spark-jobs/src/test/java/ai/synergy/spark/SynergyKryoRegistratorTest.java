package ai.synergy.spark;

import ai.synergy.evaluation.TopKCounts;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import ai.synergy.pruning.Masks;
import ai.synergy.pruning.PrunableLayers;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.paramavg.aggregator.ParameterAveragingAggregationTuple;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import scala.reflect.ClassTag$;

import java.nio.ByteBuffer;
import java.util.List;

import static ai.synergy.testing.ArrayBits.assertSameBits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Spark's Kryo serializer with the project's registrator and every class required to be registered. */
class SynergyKryoRegistratorTest {
    static final SerializerInstance KRYO = new KryoSerializer(SparkContexts.withDefaults(new SparkConf(), 1))
            .newInstance();

    @SuppressWarnings("unchecked")
    static <T> T roundTrip(T value) {
        ByteBuffer bytes = KRYO.serialize(value, ClassTag$.MODULE$.apply(Object.class));
        return (T) KRYO.deserialize(bytes, ClassTag$.MODULE$.apply(Object.class));
    }

    @Test
    void defaultsRequireRegistration() {
        SparkConf conf = SparkContexts.withDefaults(new SparkConf(), 1);
        assertThat(conf.get("spark.serializer")).isEqualTo(KryoSerializer.class.getName());
        assertThat(conf.get("spark.kryo.registrator")).isEqualTo(SynergyKryoRegistrator.class.getName());
        assertThat(conf.getBoolean("spark.kryo.registrationRequired", false)).isTrue();
        record NotRegistered(int x) {
        }
        assertThatThrownBy(() -> roundTrip(new NotRegistered(1))).hasMessageContaining("not registered");
    }

    @Test
    void arraysRecordsAndBroadcastStateRoundTrip() {
        INDArray array = Nd4j.rand(DataType.FLOAT, 3, 4, 5).permute(2, 0, 1);
        assertThat((INDArray) roundTrip(array)).isEqualTo(array);
        TopKCounts counts = new TopKCounts(10, 7, 9, 3.5);
        assertThat(roundTrip(counts)).isEqualTo(counts);
        assertThat(roundTrip(new java.util.ArrayList<>(List.of(counts, counts)))).isEqualTo(List.of(counts, counts));

        ComputationGraph graph = ResNets.create(new ModelSpec(ModelArchitecture.parse("resnet8"), 0.5, 1, 28, 28, 10,
                List.of(0.5), List.of(0.5), 5), new OptimizerSpec(0.05, 0.9, 5e-4));
        NetBroadcastTuple tuple = new NetBroadcastTuple(graph.getConfiguration(), graph.params(),
                graph.getUpdater().getStateViewArray());
        NetBroadcastTuple back = roundTrip(tuple);
        assertThat(back.getGraphConfiguration()).isEqualTo(graph.getConfiguration());
        assertThat(back.getParameters()).isEqualTo(graph.params());

        var weights = PrunableLayers.weights(graph);
        java.util.Map<String, INDArray> ones = new java.util.TreeMap<>();
        weights.forEach((name, w) -> ones.put(name, w.ulike().assign(1)));
        Masks masks = Masks.of(ones);
        Masks masksBack = roundTrip(masks);
        assertThat(masksBack.layers()).isEqualTo(masks.layers());
    }

    @Test
    void averagingAggregateTravelsAsPackedBlocksBitForBit() {
        assertThat(new KryoSerializer(SparkContexts.withDefaults(new SparkConf(), 1)).newKryo()
                .getSerializer(ParameterAveragingAggregationTuple.class))
                .isInstanceOf(PackedAggregationSerializer.class);

        INDArray parameters = Nd4j.randn(DataType.FLOAT, 1, 12_345).muli(1e-3);
        parameters.putScalar(0, Float.MIN_VALUE);
        parameters.putScalar(1, -0.0f);
        INDArray momentum = Nd4j.rand(DataType.FLOAT, 1, 24_690).permute(1, 0); // a view: packed as c order
        ParameterAveragingAggregationTuple withState = new ParameterAveragingAggregationTuple(parameters, momentum,
                3.25, 2, null, null, null, null);
        ByteBuffer bytes = KRYO.serialize(withState, ClassTag$.MODULE$.apply(Object.class));
        assertThat(bytes.remaining()).as("one block per array, plus a small header")
                .isBetween(4 * (12_345 + 24_690), 4 * (12_345 + 24_690) + 200);
        ParameterAveragingAggregationTuple back = roundTrip(withState);
        assertSameBits(back.getParametersSum(), parameters, "parameters");
        assertSameBits(back.getUpdaterStateSum(), momentum, "updater state");
        assertThat(back.getScoreSum()).isEqualTo(3.25);
        assertThat(back.getAggregationsCount()).isEqualTo(2);
        assertThat(back.getSparkTrainingStats()).isNull();
        assertThat(back.getListenerUpdates()).isNull();

        INDArray doubles = Nd4j.rand(DataType.DOUBLE, 3, 4, 5);
        ParameterAveragingAggregationTuple stateless = roundTrip(new ParameterAveragingAggregationTuple(doubles, null,
                Double.NaN, 1, null, null, null, null));
        assertSameBits(stateless.getParametersSum(), doubles, "double parameters");
        assertThat(stateless.getUpdaterStateSum()).as("a stateless updater stays stateless").isNull();
        assertThat(stateless.getScoreSum()).isNaN();

        INDArray empty = Nd4j.create(DataType.FLOAT, 0);
        ParameterAveragingAggregationTuple emptyState = roundTrip(new ParameterAveragingAggregationTuple(parameters,
                empty, 0, 1, null, null, null, null));
        assertThat(emptyState.getUpdaterStateSum().isEmpty()).isTrue();
        assertThat(emptyState.getUpdaterStateSum().dataType()).isEqualTo(DataType.FLOAT);
        assertThat(emptyState.getUpdaterStateSum().shape()).isEqualTo(empty.shape());
        assertSameBits(emptyState.getParametersSum(), parameters, "parameters beside an empty state");
    }
}
