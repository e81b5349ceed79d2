package ai.synergy.prepare;

import java.io.Serializable;
import java.util.List;

/**
 * One shard to write: which images, in which order, where.
 *
 * @param split      {@code train} or {@code val}
 * @param index      shard number in the split
 * @param count      shards in the split
 * @param images     the shard's images in file order
 * @param output     the output folder URI
 * @param shortSide  downscale images whose shorter side is longer than this (0 = keep sizes)
 * @param quality    JPEG quality of re-encoded images
 * @param numClasses classes of the data set (for the per-class counts)
 */
public record ShardTask(String split, int index, int count, List<SourceImage> images, String output, int shortSide,
                        double quality, int numClasses) implements Serializable {

    /** The shard's file name, e.g. {@code train-00003-of-00016.tar}. */
    public String fileName() {
        return fileName(split, index, count);
    }

    /** A shard file name. */
    public static String fileName(String split, int index, int count) {
        return String.format("%s-%05d-of-%05d.tar", split, index, count);
    }
}
