package ai.synergy.cli;

import ai.synergy.config.InvalidInputException;
import ai.synergy.jobs.PrepareJob;
import ai.synergy.prepare.PrepareOptions;
import ai.synergy.prepare.ShardManifest;
import ai.synergy.spark.SparkContexts;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code synergy prepare}: options -> {@link PrepareOptions} -> {@link PrepareJob}. */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = "Turn the ILSVRC-2012 folder layout into balanced JPEG shards plus manifest.json, for "
                + "train --data imagenet:<output>. Re-run the same command to resume an interrupted run.")
final class PrepareCommand implements Callable<Integer> {
    @Option(names = "--input", required = true,
            description = "Root URI of the ILSVRC-2012 layout (train/<wnid>/*.JPEG, val/*.JPEG, label files).")
    String input;

    @Option(names = "--output", required = true, description = "Output folder URI (new or empty, or an unfinished run).")
    String output;

    @Option(names = "--shards",
            description = "Shards per split, >= 1 (default: Spark's default parallelism). Use a multiple of the "
                    + "training workers.")
    Integer shards;

    @Option(names = "--short-side", defaultValue = "" + PrepareOptions.DEFAULT_SHORT_SIDE,
            description = "Downscale images whose shorter side is longer to this; 0 = keep sizes (default: ${DEFAULT-VALUE}).")
    int shortSide;

    @Option(names = "--quality", defaultValue = "" + PrepareOptions.DEFAULT_QUALITY,
            description = "JPEG quality of re-encoded images, in (0, 1] (default: ${DEFAULT-VALUE}).")
    double quality;

    @Option(names = "--seed", defaultValue = "" + PrepareOptions.DEFAULT_SEED, description = "Seed of the shard assignment (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--splits", split = ",", defaultValue = PrepareOptions.DEFAULT_SPLITS,
            description = "Splits to prepare (default: ${DEFAULT-VALUE}).")
    List<String> splits;

    @Option(names = "--synsets", description = "Class list URI, '<wnid> <name>' per line (default: <input>/LOC_synset_mapping.txt).")
    String synsets;

    @Option(names = "--val-labels",
            description = "Validation labels URI: LOC_val_solution.csv or ILSVRC2012_validation_ground_truth.txt "
                    + "(default: whichever is in <input>).")
    String valLabels;

    @Option(names = "--val-synset-order",
            description = "For a ground-truth txt: wnid of each 1-based class id, one per line (default: the synset list's order).")
    String valSynsetOrder;

    @Option(names = "--threads",
            description = "Local mode only: executor threads, >= 1 (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        requireFlags();
        int local = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        try (SparkContexts.JobContext context = SparkContexts.open("synergy-prepare", local)) {
            JavaSparkContext jsc = context.jsc();
            int shardCount = shards != null ? shards : jsc.defaultParallelism();
            PrepareOptions options = options(shardCount);
            PrepareJob.Result result = PrepareJob.run(jsc, options, System.out);
            ShardManifest.Report report = result.manifest().report();
            System.out.printf("prepared %d images in %d shards per split into %s (%.1f s%s); skipped %d files %s; "
                            + "manifest: %s/%s, report: %s/report.md%n", report.imagesWritten(), shardCount, output, result.seconds(),
                    result.resumed() ? ", resumed, " + result.shardsKept() + " shards kept" : "",
                    report.skipped().size(), report.skippedByReason(), output, ShardManifest.FILE, output);
        }
        return 0;
    }

    /**
     * Checks every flag before Spark starts, each error one line naming its flag: {@code --threads} here (it only
     * sizes the local Spark context), the rest by building the {@link PrepareOptions} they describe, whose constructor
     * holds the rules (with 1 standing in for an absent {@code --shards}, which Spark's parallelism decides later).
     */
    private void requireFlags() {
        if (threads != null && threads < 1) {
            throw new InvalidInputException("--threads must be >= 1, got " + threads + " (leave it out for all cores)");
        }
        options(shards != null ? shards : 1);
    }

    private PrepareOptions options(int shardCount) {
        return new PrepareOptions(input, output, shardCount, shortSide, quality, seed, splits, synsets, valLabels,
                valSynsetOrder);
    }
}
