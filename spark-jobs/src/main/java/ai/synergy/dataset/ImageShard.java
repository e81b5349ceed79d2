package ai.synergy.dataset;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One worker's share of an IDX data set, decoded and held in executor memory (an RDD element, persisted MEMORY_ONLY):
 * unsigned 8-bit images NCHW plus one label byte each. Used as stored: no augmentation.
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
                         String fingerprint) implements WorkerShard {

    /** Bytes of one image. */
    public int imageSize() {
        return channels * height * width;
    }

    @Override
    public ShardInfo info() {
        int maxLabel = -1;
        for (byte label : labels) {
            maxLabel = Math.max(maxLabel, label & 0xFF);
        }
        return new ShardInfo(index, count, channels, height, width, maxLabel + 1, fingerprint);
    }

    @Override
    public BatchSource open(BatchSpec spec) {
        int numClasses = spec.numClasses();
        return new BatchSource() {
            @Override
            public MultiDataSet trainingBatch(int[] order, int start, int size, long epochSeed) {
                return batch(order, start, size, numClasses);
            }

            @Override
            public MultiDataSet evaluationBatch(int start, int size) {
                return batch(null, start, size, numClasses);
            }

            @Override
            public int label(int example) {
                return labels[example] & 0xFF;
            }

            @Override
            public void close() {
            }
        };
    }

    /** Features scaled to [0, 1] as float NCHW, labels one-hot; {@code order == null} means stored order. */
    private MultiDataSet batch(int[] order, int start, int size, int numClasses) {
        int imageSize = imageSize();
        float[] features = new float[size * imageSize];
        float[] oneHot = new float[size * numClasses];
        for (int i = 0; i < size; i++) {
            int example = order == null ? start + i : order[start + i];
            int src = example * imageSize;
            int dst = i * imageSize;
            for (int j = 0; j < imageSize; j++) {
                features[dst + j] = (pixels[src + j] & 0xFF) / 255f;
            }
            oneHot[i * numClasses + (labels[example] & 0xFF)] = 1f;
        }
        INDArray f = Nd4j.create(features, new long[]{size, channels, height, width}, DataType.FLOAT);
        INDArray l = Nd4j.create(oneHot, new long[]{size, numClasses}, DataType.FLOAT);
        return new org.nd4j.linalg.dataset.MultiDataSet(f, l);
    }
}
