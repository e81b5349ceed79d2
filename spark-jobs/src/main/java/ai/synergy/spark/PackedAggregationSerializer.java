package ai.synergy.spark;

import ai.synergy.nd4j.PackedArray;
import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import org.deeplearning4j.core.storage.Persistable;
import org.deeplearning4j.core.storage.StorageMetaData;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.impl.paramavg.aggregator.ParameterAveragingAggregationTuple;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collection;

/**
 * Both sides: Kryo's form of dl4j-spark's averaging aggregate, the task result of every averaging round (a worker's
 * parameters, updater state and loss, or the sum of several). The two arrays travel as {@link PackedArray}s, data type,
 * shape and one block of bytes each (laid out as in a {@link PackedArray}), copied in bulk; nd4j-kryo's serializer writes them element by element
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

    /**
     * A presence flag, then the array as {@link PackedArray} lays it out: data type, rank, shape, byte count, then the
     * values (c order, native byte order), copied straight from ND4J's buffer in chunks of {@value PackedArray#CHUNK}
     * bytes.
     */
    static void writeArray(Output output, INDArray array) {
        output.writeBoolean(array != null);
        if (array == null) {
            return;
        }
        output.writeString(array.dataType().name());
        output.writeInt(array.rank(), true);
        output.writeLongs(array.shape());
        if (array.isEmpty()) {
            output.writeInt(0, true);
            return;
        }
        ByteBuffer values = PackedArray.nativeBytes(PackedArray.contiguous(array));
        output.writeInt(values.remaining(), true);
        try {
            PackedArray.write(values, output);
        } catch (IOException e) {
            throw new KryoException(e);
        }
    }

    /** Reads what {@link #writeArray} wrote into a new c-order array outside any workspace (or null). */
    static INDArray readArray(Input input) {
        if (!input.readBoolean()) {
            return null;
        }
        DataType dataType = DataType.valueOf(input.readString());
        long[] shape = input.readLongs(input.readInt(true));
        int length = input.readInt(true);
        INDArray array;
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            array = Nd4j.create(dataType, shape, 'c');
        }
        if (array.isEmpty()) {
            return array;
        }
        ByteBuffer values = PackedArray.nativeBytes(array);
        if (values.remaining() != length) {
            throw new KryoException("packed " + dataType + Arrays.toString(shape) + " needs " + values.remaining()
                    + " bytes, the stream holds " + length);
        }
        try {
            PackedArray.read(input, values);
        } catch (IOException e) {
            throw new KryoException(e);
        }
        return array;
    }
}
