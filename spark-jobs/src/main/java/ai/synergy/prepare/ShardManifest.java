package ai.synergy.prepare;

import ai.synergy.io.HadoopFiles;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import org.apache.hadoop.fs.Path;

import java.io.IOException;

import java.util.List;
import java.util.Map;

/**
 * {@code manifest.json} of a prepared data set: what {@code prepare} wrote and from what. Its presence marks a
 * finished output; {@code train --data imagenet:<folder>} reads the classes, the shards and the statistics from it.
 *
 * @param format          format tag, {@link #FORMAT}
 * @param createdBy       program and source revision
 * @param createdAt       ISO-8601 time the manifest was written
 * @param options         the options of the run
 * @param classes         class index -> wnid and name
 * @param splits          per split: its shards and counts
 * @param trainStatistics per-channel mean and standard deviation of the training images' pixels, in [0, 1] units
 * @param report          what was skipped and why, and what was re-encoded
 */
public record ShardManifest(String format, String createdBy, String createdAt, PrepareOptions options,
                            List<IlsvrcLayout.SynsetClass> classes, Map<String, Split> splits,
                            ChannelStatistics trainStatistics, Report report) {

    /** The format this code writes and reads. */
    public static final String FORMAT = "synergy-shards/1";
    /** The manifest's file name in the output folder. */
    public static final String FILE = "manifest.json";

    /**
     * One split.
     *
     * @param images         images in all its shards
     * @param imagesPerClass images of each class
     * @param shards         its shards in index order
     */
    public record Split(int images, List<Integer> imagesPerClass, List<ShardResult> shards) {
    }

    /**
     * Pixel statistics of a split.
     *
     * @param mean   per-channel (RGB) mean
     * @param std    per-channel standard deviation
     * @param pixels pixels counted per channel
     */
    public record ChannelStatistics(List<Double> mean, List<Double> std, long pixels) {
    }

    /**
     * The run's report on its input.
     *
     * @param filesListed      input files seen (images and not)
     * @param imagesWritten    images in the shards
     * @param skippedByReason  count of skipped files per reason
     * @param skipped          every skipped file, with the reason
     * @param formatsFound     count of good images per format found in their bytes (a PNG named .JPEG counts as png)
     */
    public record Report(int filesListed, int imagesWritten, Map<String, Integer> skippedByReason,
                         List<SkippedFile> skipped, Map<String, Integer> formatsFound) {
    }

    /** Reads and checks {@code <location>/manifest.json}; errors name {@code flag}. */
    public static ShardManifest read(HadoopFiles files, String location, String flag) throws IOException {
        Path file = new Path(HadoopFiles.path(location), FILE);
        files.requireNonEmptyFile(file, flag, " (is " + location + " the output of `synergy prepare`, and did it "
                + "finish?)");
        return Json.read(files.readString(file), ShardManifest.class, flag + ": " + file).requireSupported(file.toString());
    }

    /** The split, or a clear error naming the data set when it was not prepared. */
    public Split split(String name, String source) {
        Split split = splits.get(name);
        if (split == null) {
            throw new InvalidInputException(source + ": has no '" + name + "' split (prepared: " + splits.keySet()
                    + ")");
        }
        return split;
    }

    /** Checks the format tag; {@code source} names the manifest in the error. */
    public ShardManifest requireSupported(String source) {
        if (!FORMAT.equals(format)) {
            throw new InvalidInputException(source + ": format '" + format + "' is not " + FORMAT
                    + " (written by another version of synergy?)");
        }
        return this;
    }
}
