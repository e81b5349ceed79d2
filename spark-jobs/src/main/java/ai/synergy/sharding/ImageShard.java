package ai.synergy.sharding;

import java.io.Serializable;

/**
 * One worker's share of a data set, decoded and held in executor memory (an RDD element, persisted MEMORY_ONLY):
 * unsigned 8-bit images NCHW plus one label byte each.
 *
 * @param index       shard number (= the RDD partition that holds it)
 * @param pixels      count x channels x height x width bytes
 * @param labels      count bytes
 * @param count       number of examples
 * @param channels    image channels
 * @param height      image height
 * @param width       image width
 * @param fingerprint identity of the whole data set the shard was cut from
 */
public record ImageShard(int index, byte[] pixels, byte[] labels, int count, int channels, int height, int width,
                         String fingerprint) implements Serializable {

    /** Bytes of one image. */
    public int imageSize() {
        return channels * height * width;
    }

    /** The shard's size and identity, without its pixels, for the driver. */
    public ShardInfo info() {
        int maxLabel = -1;
        for (byte label : labels) {
            maxLabel = Math.max(maxLabel, label & 0xFF);
        }
        return new ShardInfo(index, count, channels, height, width, maxLabel + 1, fingerprint);
    }

    /** What the driver learns about a shard. */
    public record ShardInfo(int index, int count, int channels, int height, int width, int numClasses,
                            String fingerprint) implements Serializable {
    }
}
