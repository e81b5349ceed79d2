package ai.synergy.testing;

import ai.synergy.dataset.DataSpec;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Writes small, learnable IDX data sets (Fashion-MNIST file names and layout) for tests. */
public final class IdxFixtures {
    private IdxFixtures() {
    }

    /**
     * A 10-class set of 28x28 grey images: class c is a bright 7x7 square at one of 10 fixed places plus noise, so a
     * small ResNet learns it in one epoch. Deterministic for a seed.
     */
    public static Path write(Path dir, int trainCount, int testCount, long seed) throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(seed);
        writeSplit(dir, "train", trainCount, random);
        writeSplit(dir, "t10k", testCount, random);
        return dir;
    }

    /** Writes a data set with {@link #write} and returns the {@code idx:<folder>} data spec that reads it. */
    public static DataSpec dataSpec(Path dir, int trainCount, int testCount, long seed) throws IOException {
        write(dir, trainCount, testCount, seed);
        return DataSpec.idx(dir.toUri().toString(), 0, 0);
    }

    private static void writeSplit(Path dir, String prefix, int count, Random random) throws IOException {
        byte[] pixels = new byte[count * 28 * 28];
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            int label = random.nextInt(10);
            labels[i] = (byte) label;
            int top = (label / 5) * 14 + 3;
            int left = (label % 5) * 5 + 1;
            for (int p = 0; p < 28 * 28; p++) {
                int y = p / 28;
                int x = p % 28;
                boolean inSquare = y >= top && y < top + 7 && x >= left && x < left + 5;
                pixels[i * 784 + p] = (byte) (inSquare ? 180 + random.nextInt(76) : random.nextInt(60));
            }
        }
        writeImages(dir.resolve(prefix + "-images-idx3-ubyte.gz"), pixels, count);
        writeLabels(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), labels);
    }

    /** An idx3 images file (gzip). */
    public static void writeImages(Path file, byte[] pixels, int count) throws IOException {
        try (DataOutputStream out = new DataOutputStream(gzip(file))) {
            out.writeInt(0x00000803);
            out.writeInt(count);
            out.writeInt(28);
            out.writeInt(28);
            out.write(pixels);
        }
    }

    /** An idx1 labels file (gzip). */
    public static void writeLabels(Path file, byte[] labels) throws IOException {
        try (DataOutputStream out = new DataOutputStream(gzip(file))) {
            out.writeInt(0x00000801);
            out.writeInt(labels.length);
            out.write(labels);
        }
    }

    private static OutputStream gzip(Path file) throws IOException {
        return new GZIPOutputStream(Files.newOutputStream(file));
    }
}
