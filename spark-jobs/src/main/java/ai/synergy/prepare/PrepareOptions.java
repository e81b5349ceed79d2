package ai.synergy.prepare;

import ai.synergy.config.Require;

import java.util.List;

/**
 * The resolved options of a {@code prepare} run; stored in the manifest, and compared on a re-run so that a partial
 * output is only ever resumed by the same run.
 *
 * @param input          root URI of the ILSVRC-2012 layout
 * @param output         folder URI the shards and {@code manifest.json} go to
 * @param shards         shards per split, 1..{@link #MAX_SHARDS}. More shards than workers lets the cluster grow; the
 *                       count per worker should be equal (shards a multiple of workers) for the best balance
 * @param shortSide      images whose shorter side is longer are downscaled to it (256, as the standard ImageNet
 *                       pipelines); 0 keeps every image at its size. Smaller files decode faster on the executors
 * @param quality        JPEG quality of re-encoded images, in (0, 1]
 * @param seed           seed of the shard assignment and of the order inside each shard
 * @param splits         which splits to prepare: {@code train} and/or {@code val}
 * @param synsets        class list URI (default {@code <input>/LOC_synset_mapping.txt}); null = default
 * @param valLabels      validation labels URI ({@code LOC_val_solution.csv} or a ground-truth txt); null = found in
 *                       the input root
 * @param valSynsetOrder for a ground-truth txt: the wnid of each 1-based class id, one per line; null = the synset
 *                       list's order
 */
public record PrepareOptions(String input, String output, int shards, int shortSide, double quality, long seed,
                             List<String> splits, String synsets, String valLabels, String valSynsetOrder) {

    /** The most shards per split: {@code train-99999-of-99999.tar}. */
    public static final int MAX_SHARDS = 99_999;

    /** Shorter side of the stored JPEGs (the ResNet recipe's 256, cropped to 224 in training). */
    public static final int DEFAULT_SHORT_SIDE = 256;
    /** JPEG quality of the re-encoded images. */
    public static final double DEFAULT_QUALITY = 0.9;
    /** Seed of the shard assignment. */
    public static final long DEFAULT_SEED = 42;
    /** The splits written. */
    public static final String DEFAULT_SPLITS = "train,val";

    public PrepareOptions {
        Require.that(input != null && !input.isBlank(), "input", "is required");
        Require.that(output != null && !output.isBlank(), "output", "is required");
        Require.that(shards >= 1 && shards <= MAX_SHARDS, "shards", "must be in 1.." + MAX_SHARDS + " (shard file "
                + "names have 5 digits), got " + shards);
        Require.that(shortSide == 0 || shortSide >= 8, "shortSide", "must be 0 (keep sizes) or >= 8, got "
                + shortSide);
        Require.inLeftOpen("quality", quality, 0, 1);
        Require.that(splits != null && !splits.isEmpty() && List.of("train", "val").containsAll(splits)
                && splits.stream().distinct().count() == splits.size(), "splits", "must be train, val or train,val, "
                + "got " + splits);
        splits = List.copyOf(splits);
        input = withoutTrailingSlash(input);
        output = withoutTrailingSlash(output);
    }

    /** {@code input} into {@code output} in {@code shards} shards per split, every other setting at its default. */
    public static PrepareOptions of(String input, String output, int shards) {
        return new PrepareOptions(input, output, shards, DEFAULT_SHORT_SIDE, DEFAULT_QUALITY, DEFAULT_SEED,
                List.of(DEFAULT_SPLITS.split(",")), null, null, null);
    }

    /** The same, with the stored images' shorter side resized to {@code pixels} (0 = sizes kept). */
    public PrepareOptions shortSide(int pixels) {
        return new PrepareOptions(input, output, shards, pixels, quality, seed, splits, synsets, valLabels,
                valSynsetOrder);
    }

    /** {@code file:///x/} and {@code file:///x} name the same folder: one spelling, so re-runs compare equal. */
    private static String withoutTrailingSlash(String uri) {
        String s = uri;
        while (s.endsWith("/") && !s.endsWith(":/") && !s.endsWith("://") && s.length() > 1) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }
}
