package ai.synergy.checkpoint;

import ai.synergy.config.InvalidInputException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;

/**
 * Java serialization of driver state kept beside a checkpoint's model (ADMM variables and masks, quantization
 * rounds): state holding ND4J arrays, which serialize themselves.
 */
public final class JavaState {
    private JavaState() {
    }

    /** The bytes of {@code state}. */
    public static byte[] bytes(Serializable state) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Reads state of {@code type} back; {@code source} names the file in the error when it cannot. */
    public static <T> T read(byte[] bytes, Class<T> type, String source) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return type.cast(in.readObject());
        } catch (IOException | ClassNotFoundException | ClassCastException e) {
            throw new InvalidInputException("--resume: " + source + " is unreadable (" + e.getMessage() + ")", e);
        }
    }
}
