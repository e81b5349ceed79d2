package ai.synergy.prediction;

import java.io.Serializable;
import java.util.List;

/**
 * How executors score images, resolved on the driver ({@link ScoringModel}): the evaluation transform (shorter side
 * resized to {@code imageSize / evalCrop}, center {@code imageSize} square cropped, pixels in [0, 1]; the
 * normalisation is inside the network), the class names, and how many classes each image's result lists.
 *
 * @param imageSize  the network's input height and width
 * @param evalCrop   fraction of the shorter side the center crop keeps, in (0, 1]
 * @param classNames one name per class, in label order (the class indices as text when none are known)
 * @param topK       classes listed per image, most probable first (at most the number of classes)
 * @param batchSize  images per forward pass
 */
public record Scoring(int imageSize, double evalCrop, List<String> classNames, int topK, int batchSize)
        implements Serializable {

    public Scoring {
        if (imageSize < 8) {
            throw new IllegalArgumentException("imageSize must be >= 8, got " + imageSize);
        }
        if (!(evalCrop > 0 && evalCrop <= 1)) {
            throw new IllegalArgumentException("evalCrop must be in (0, 1], got " + evalCrop);
        }
        classNames = List.copyOf(classNames);
        if (classNames.size() < 2) {
            throw new IllegalArgumentException("a classifier has at least 2 classes, got " + classNames.size());
        }
        if (topK < 1 || batchSize < 1) {
            throw new IllegalArgumentException("topK and batchSize must be >= 1, got " + topK + " and " + batchSize);
        }
        topK = Math.min(topK, classNames.size());
    }

    /** The number of classes. */
    public int classes() {
        return classNames.size();
    }

    /** The same with another number of listed classes and another batch size. */
    public Scoring with(int k, int batch) {
        return new Scoring(imageSize, evalCrop, classNames, k, batch);
    }
}
