package ai.synergy.dataset;

import java.util.SplittableRandom;

/** The seeded per-epoch order of a shard's examples (Fisher-Yates over a stream split from seed, epoch, shard). */
public final class EpochPermutation {
    private EpochPermutation() {
    }

    /** A permutation of {@code 0..n-1}, a pure function of its arguments. */
    public static int[] of(int n, long seed, int epoch, int shard) {
        SplittableRandom random = new SplittableRandom(mix(mix(seed, epoch), shard));
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** The seed of a worker's augmentation randomness in one epoch (independent of the permutation's stream). */
    public static long streamSeed(long seed, int epoch, int shard) {
        return mix(mix(mix(seed, epoch), shard), 0x41554755L);
    }

    /** The seed of one example's augmentation within an epoch stream. */
    public static long exampleSeed(long streamSeed, int example) {
        return mix(streamSeed, example);
    }

    private static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
