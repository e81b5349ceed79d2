package ai.synergy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/** What an attacker who can write to a run folder would put in a state file: Java serialization streams. */
public final class HostileBytes {
    private HostileBytes() {
    }

    /** A class whose every instantiation, by constructor or by deserialization, is counted. */
    public static final class Canary implements Serializable {
        /** Instances made so far. */
        public static final AtomicInteger CREATED = new AtomicInteger();

        public Canary() {
            CREATED.incrementAndGet();
        }

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            CREATED.incrementAndGet();
            in.defaultReadObject();
        }
    }

    /** {@code value} as a Java serialization stream. */
    public static byte[] javaSerialized(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    /** Sets nested 100 deep that share their children: tiny on disk, 2^100 hash computations to deserialize. */
    public static Set<Object> setBomb() {
        Set<Object> root = new HashSet<>();
        Set<Object> s1 = root;
        Set<Object> s2 = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            Set<Object> t1 = new HashSet<>();
            Set<Object> t2 = new HashSet<>();
            t1.add("x");
            s1.add(t1);
            s1.add(t2);
            s2.add(t1);
            s2.add(t2);
            s1 = t1;
            s2 = t2;
        }
        return root;
    }
}
