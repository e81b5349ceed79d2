package ai.synergy.training;

import ai.synergy.nd4j.PackedArray;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;

/**
 * Both sides: the wire format of a {@link RoundExchange#DIRECT} round, between an executor's task and the driver's
 * {@link RoundServer}. One request per connection; everything is checked before any bulk bytes travel, so a refusal
 * always reaches the task as a message:
 *
 * <pre>
 * task -> driver   MAGIC:int secret:byte[32] op:byte
 * driver -> task   OK | REFUSED message:UTF                 (the secret checked)
 * GET:  driver -> task   sizes values
 * PUT:  task -> driver   partition:int score:double stats sizes
 *       driver -> task   OK | REFUSED message:UTF           (the sizes checked against the driver's arrays)
 *       task -> driver   values
 *       driver -> task   OK                                 (the driver holds the result)
 * sizes  = parameter bytes:long, updater state bytes:long (-1: no updater state)
 * values = the parameters' bytes, then the updater state's (c order, native byte order: as a PackedArray lays them out)
 * stats  = length:int bytes   (the task's training statistics, Java-serialized; length 0 for none)
 * </pre>
 *
 * Values are copied between the socket and ND4J's own buffers in chunks of {@value PackedArray#CHUNK} bytes, with no
 * intermediate array of the whole size.
 */
final class RoundWire {
    static final int MAGIC = 0x53594e52;
    static final int SECRET_BYTES = 32;
    static final byte GET = 1;
    static final byte PUT = 2;
    static final byte OK = 0;
    static final byte REFUSED = 1;

    private RoundWire() {
    }

    /** Writes the byte counts of the parameters and of the updater state (null: none, written as -1). */
    static void writeSizes(DataOutputStream out, INDArray parameters, INDArray updaterState) throws IOException {
        out.writeLong(bytes(parameters));
        out.writeLong(updaterState == null ? -1 : bytes(updaterState));
    }

    /**
     * Reads what {@link #writeSizes} wrote and checks it against the receiver's {@code parameters} and
     * {@code updaterState}: an updater state sent where {@code updaterState} is null is an error; one not sent where
     * it is not null is one too unless {@code stateOptional}. Returns whether an updater state follows the parameters.
     * {@code from} names the sender in errors.
     */
    static boolean checkSizes(DataInputStream in, INDArray parameters, INDArray updaterState, boolean stateOptional,
                              String from) throws IOException {
        long parameterBytes = in.readLong();
        long stateBytes = in.readLong();
        checkSize(parameterBytes, parameters, "parameters from " + from);
        if (stateBytes >= 0 && updaterState == null) {
            throw new IOException(from + " sent an updater state, none expected");
        }
        if (stateBytes < 0 && updaterState != null && !stateOptional) {
            throw new IOException(from + " sent no updater state, one expected");
        }
        if (stateBytes >= 0) {
            checkSize(stateBytes, updaterState, "updater state from " + from);
        }
        return stateBytes >= 0;
    }

    /** Writes the values of the parameters, then of the updater state if there is one (null: none). */
    static void writeValues(DataOutputStream out, INDArray parameters, INDArray updaterState) throws IOException {
        writeValues(out, parameters);
        if (updaterState != null) {
            writeValues(out, updaterState);
        }
    }

    /** Reads the values {@link #checkSizes} announced into the parameters and, if {@code hasState}, the state. */
    static void readValues(DataInputStream in, INDArray parameters, INDArray updaterState, boolean hasState)
            throws IOException {
        readValues(in, parameters);
        if (hasState) {
            readValues(in, updaterState);
        }
    }

    /** Writes the task's training statistics (null: none) as a length-prefixed Java-serialized block. */
    static void writeStats(DataOutputStream out, SparkTrainingStats stats) throws IOException {
        if (stats == null) {
            out.writeInt(0);
            return;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream objects = new ObjectOutputStream(bytes)) {
            objects.writeObject(stats);
        }
        out.writeInt(bytes.size());
        bytes.writeTo(out);
    }

    /** Reads what {@link #writeStats} wrote (null for none). */
    static SparkTrainingStats readStats(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length == 0) {
            return null;
        }
        if (length < 0 || length > 64 << 20) {
            throw new IOException("training statistics of " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        try (ObjectInputStream objects = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return (SparkTrainingStats) objects.readObject();
        } catch (ClassNotFoundException | ClassCastException e) {
            throw new IOException("unreadable training statistics: " + e, e);
        }
    }

    private static long bytes(INDArray array) {
        return array.length() * array.dataType().width();
    }

    private static void checkSize(long sent, INDArray target, String what) throws IOException {
        if (sent != bytes(target)) {
            throw new IOException(what + ": " + sent + " bytes sent, " + bytes(target) + " expected for "
                    + target.dataType() + Arrays.toString(target.shape()));
        }
    }

    private static void writeValues(DataOutputStream out, INDArray array) throws IOException {
        PackedArray.write(PackedArray.nativeBytes(PackedArray.contiguous(array)), out);
    }

    private static void readValues(DataInputStream in, INDArray target) throws IOException {
        INDArray plain = PackedArray.contiguous(target);
        PackedArray.read(in, PackedArray.nativeBytes(plain));
        if (plain != target) {
            target.assign(plain);
        }
    }

    /** A new c-order array of {@code like}'s data type and shape, outside any workspace, to receive values into. */
    static INDArray receiverFor(INDArray like) {
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            return Nd4j.createUninitialized(like.dataType(), like.shape(), 'c');
        }
    }
}
