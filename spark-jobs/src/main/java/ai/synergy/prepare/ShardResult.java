package ai.synergy.prepare;

import java.io.Serializable;
import java.util.List;

/**
 * A written shard as the manifest lists it.
 *
 * @param split          {@code train} or {@code val}
 * @param index          shard number in the split
 * @param file           tar file name in the output folder
 * @param indexFile      its offset index ({@code <file>.idx})
 * @param images         images in the shard
 * @param bytes          tar file size
 * @param sha256         hex SHA-256 of the tar file
 * @param indexSha256    hex SHA-256 of the index file
 * @param imagesPerClass images of each class in the shard
 * @param reencoded      images stored re-encoded (resized, or not a JPEG at the source)
 */
public record ShardResult(String split, int index, String file, String indexFile, int images, long bytes,
                          String sha256, String indexSha256, List<Integer> imagesPerClass, int reencoded)
        implements Serializable {
}
