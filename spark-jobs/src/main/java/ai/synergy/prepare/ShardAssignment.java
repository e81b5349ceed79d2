package ai.synergy.prepare;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Driver side: deals a split's good images into shards, balanced (counts differ by at most one) and class-stratified
 * (each class's count differs by at most one between shards). Images are sorted by key, shuffled per class by the
 * seed, dealt round-robin class after class, and each shard's order is shuffled again so that a shard read from start
 * to end mixes classes. A pure function of (images, shards, seed): re-runs and resumed runs get the same shards.
 */
public final class ShardAssignment {
    private ShardAssignment() {
    }

    /** {@code shards} lists of images; list s is shard s's content in file order. */
    public static List<List<SourceImage>> assign(List<SourceImage> images, int shards, long seed) {
        TreeMap<Integer, List<SourceImage>> byClass = new TreeMap<>();
        for (SourceImage image : images) {
            byClass.computeIfAbsent(image.label(), k -> new ArrayList<>()).add(image);
        }
        List<List<SourceImage>> out = new ArrayList<>(shards);
        for (int s = 0; s < shards; s++) {
            out.add(new ArrayList<>());
        }
        int next = 0;
        for (var entry : byClass.entrySet()) {
            List<SourceImage> members = entry.getValue();
            members.sort(Comparator.comparing(SourceImage::key));
            shuffle(members, new SplittableRandom(mix(seed, entry.getKey())));
            for (SourceImage image : members) {
                out.get(next).add(image);
                next = (next + 1) % shards;
            }
        }
        for (int s = 0; s < shards; s++) {
            shuffle(out.get(s), new SplittableRandom(mix(seed ^ 0x5DEECE66DL, 1_000_003L + s)));
        }
        return out;
    }

    private static <T> void shuffle(List<T> list, SplittableRandom random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }

    private static long mix(long a, long b) {
        return new SplittableRandom(a * 0x9E3779B97F4A7C15L + b).nextLong();
    }
}
