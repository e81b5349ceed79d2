package ai.synergy.dataset;

import java.io.Serializable;

/**
 * How executors turn stored images into minibatches.
 *
 * @param numClasses       classes (one-hot label width)
 * @param imageSize        square input size for JPEG data (e.g. 224); 0 = the stored size (IDX data)
 * @param augmentation     training-time augmentation of JPEG data
 * @param evalCropFraction evaluation: the shorter side is resized to {@code imageSize / evalCropFraction}, then the
 *                         center {@code imageSize} square is cropped (0.875 = resize 256, crop 224)
 */
public record BatchSpec(int numClasses, int imageSize, Augmentation augmentation, double evalCropFraction)
        implements Serializable {

    public BatchSpec {
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses must be >= 2, got " + numClasses);
        }
        if (imageSize < 0) {
            throw new IllegalArgumentException("imageSize must be >= 0, got " + imageSize);
        }
        if (!(evalCropFraction > 0 && evalCropFraction <= 1)) {
            throw new IllegalArgumentException("evalCropFraction must be in (0, 1], got " + evalCropFraction);
        }
    }

    /** Images used as stored, no augmentation (IDX data). */
    public static BatchSpec plain(int numClasses) {
        return new BatchSpec(numClasses, 0, Augmentation.NONE, 1.0);
    }
}
