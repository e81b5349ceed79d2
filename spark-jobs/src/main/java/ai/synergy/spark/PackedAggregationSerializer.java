package ai.synergy.spark;

import ai.synergy.nd4j.PackedArray;
import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import org.deeplearning4j.core.storage.Persistable;
import org.deeplearning4j.core.storage.StorageMetaData;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.impl.paramavg.aggregator.ParameterAveragingAggregationTuple;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * Both sides: Kryo's form of dl4j-spark's averaging aggregate, the task result of every averaging round (a worker's
 * parameters, updater state and loss, or the sum of several). The two arrays travel as {@link PackedArray}s, data type,
 * shape and one byte block each, written and read in bulk; nd4j-kryo's serializer writes them element by element
 * through a {@code DataOutputStream} (ResNet-18: 2 x 45 MB per worker and round). The rest (statistics, DL4J's
 * listener records) goes through Kryo as before. Values, data types and shapes come back bit for bit; an absent
 * updater state (a stateless updater) stays absent.
 */
public final class PackedAggregationSerializer extends Serializer<ParameterAveragingAggregationTuple> {

    @Override
    public void write(Kryo kryo, Output output, ParameterAveragingAggregationTuple tuple) {
        writeArray(output, tuple.getParametersSum());
        writeArray(output, tuple.getUpdaterStateSum());
        output.writeDouble(tuple.getScoreSum());
        output.writeInt(tuple.getAggregationsCount());
        kryo.writeClassAndObject(output, tuple.getSparkTrainingStats());
        kryo.writeClassAndObject(output, tuple.getListenerMetaData());
        kryo.writeClassAndObject(output, tuple.getListenerStaticInfo());
        kryo.writeClassAndObject(output, tuple.getListenerUpdates());
    }

    @Override
    @SuppressWarnings("unchecked")
    public ParameterAveragingAggregationTuple read(Kryo kryo, Input input,
                                                   Class<ParameterAveragingAggregationTuple> type) {
        INDArray parameters = readArray(input);
        INDArray updaterState = readArray(input);
        double scoreSum = input.readDouble();
        int count = input.readInt();
        SparkTrainingStats stats = (SparkTrainingStats) kryo.readClassAndObject(input);
        Collection<StorageMetaData> metaData = (Collection<StorageMetaData>) kryo.readClassAndObject(input);
        Collection<Persistable> staticInfo = (Collection<Persistable>) kryo.readClassAndObject(input);
        Collection<Persistable> updates = (Collection<Persistable>) kryo.readClassAndObject(input);
        return new ParameterAveragingAggregationTuple(parameters, updaterState, scoreSum, count, stats, metaData,
                staticInfo, updates);
    }

    /** A presence flag, then the packed array: data type, rank, shape, byte count, bytes. */
    static void writeArray(Output output, INDArray array) {
        output.writeBoolean(array != null);
        if (array == null) {
            return;
        }
        PackedArray packed = PackedArray.of(array);
        output.writeString(packed.dataType());
        output.writeInt(packed.shape().length, true);
        output.writeLongs(packed.shape());
        output.writeInt(packed.values().length, true);
        output.writeBytes(packed.values());
    }

    static INDArray readArray(Input input) {
        if (!input.readBoolean()) {
            return null;
        }
        String dataType = input.readString();
        long[] shape = input.readLongs(input.readInt(true));
        byte[] values = input.readBytes(input.readInt(true));
        return new PackedArray(dataType, shape, values).unpack();
    }
}
