package ai.synergy.dataset;

import java.io.Serializable;

/**
 * Executor side: one worker's share of a data set, held in an RDD partition for the whole run (IDX images in memory,
 * or the offset indexes of JPEG shards on the shared file system).
 */
public interface WorkerShard extends Serializable {

    /** The worker (= RDD partition) this share belongs to. */
    int index();

    /** Examples in the share. */
    int count();

    /** Size and identity, without the images, for the driver. */
    ShardInfo info();

    /** Opens the images for minibatch assembly inside one task; close it when the task is done. */
    BatchSource open(BatchSpec spec);

    /**
     * What the driver learns about a share.
     *
     * @param index       worker index
     * @param count       examples
     * @param channels    channels of the network input the batches have
     * @param height      input height
     * @param width       input width
     * @param numClasses  largest label + 1
     * @param fingerprint identity of the whole data set the share was cut from
     */
    record ShardInfo(int index, int count, int channels, int height, int width, int numClasses, String fingerprint)
            implements Serializable {
    }
}
