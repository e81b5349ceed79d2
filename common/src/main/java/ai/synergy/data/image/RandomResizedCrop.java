package ai.synergy.data.image;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The ImageNet training crop: a random box of random area and aspect ratio, resized to size x size.
 *
 * <p>The box is chosen exactly as torchvision's {@code RandomResizedCrop.get_params}
 * (torchvision/transforms/transforms.py): up to 10 attempts, each drawing a target area
 * {@code U(minScale, maxScale) * width * height} and a log-uniform aspect ratio in [minRatio, maxRatio], with
 * {@code w = round(sqrt(area * ratio))}, {@code h = round(sqrt(area / ratio))} (round half to even, as Python's
 * {@code round}); the first box with {@code 0 < w <= width} and {@code 0 < h <= height} is placed uniformly at random.
 * If none fits, the fallback is a central crop of the whole image with its ratio clamped to [minRatio, maxRatio].
 * Random numbers come from the caller's {@link SplittableRandom}, so the same seed gives the same box.
 *
 * @param size     output side in pixels, at least 1 (224 for ImageNet)
 * @param minScale smallest box area as a fraction of the image area, in (0, maxScale] (0.08)
 * @param maxScale largest box area fraction, in [minScale, 1] (1.0)
 * @param minRatio smallest width/height ratio, in (0, maxRatio] (3/4)
 * @param maxRatio largest width/height ratio, finite (4/3)
 */
public record RandomResizedCrop(int size, double minScale, double maxScale, double minRatio, double maxRatio) {

    private static final int ATTEMPTS = 10;

    /** Checks every field. */
    public RandomResizedCrop {
        if (size < 1) {
            throw new IllegalArgumentException("size must be >= 1, got " + size);
        }
        if (!(minScale > 0) || !(minScale <= maxScale) || !(maxScale <= 1)) {
            throw new IllegalArgumentException("scale range must satisfy 0 < minScale <= maxScale <= 1, got ["
                    + minScale + ", " + maxScale + "]");
        }
        if (!(minRatio > 0) || !(minRatio <= maxRatio) || !Double.isFinite(maxRatio)) {
            throw new IllegalArgumentException("ratio range must satisfy 0 < minRatio <= maxRatio < infinity, got ["
                    + minRatio + ", " + maxRatio + "]");
        }
    }

    /** The torchvision defaults: scale [0.08, 1], ratio [3/4, 4/3]. */
    public static RandomResizedCrop imagenet(int size) {
        return new RandomResizedCrop(size, 0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0);
    }

    /** A crop box in source pixels: columns [x, x + width), rows [y, y + height). */
    public record Box(int x, int y, int width, int height) {

        /** Checks that the box is non-negative and non-empty. */
        public Box {
            if (x < 0 || y < 0 || width < 1 || height < 1) {
                throw new IllegalArgumentException("box must have x, y >= 0 and width, height >= 1, got x=" + x
                        + " y=" + y + " width=" + width + " height=" + height);
            }
        }
    }

    /** Chooses the box for a width x height image (torchvision's get_params), consuming random numbers. */
    public Box box(int width, int height, SplittableRandom random) {
        Objects.requireNonNull(random, "random");
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be >= 1, got " + width + "x" + height);
        }
        double area = (double) width * height;
        double logMin = Math.log(minRatio);
        double logMax = Math.log(maxRatio);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            double targetArea = area * uniform(random, minScale, maxScale);
            double ratio = Math.exp(uniform(random, logMin, logMax));
            int w = (int) Math.rint(Math.sqrt(targetArea * ratio));
            int h = (int) Math.rint(Math.sqrt(targetArea / ratio));
            if (0 < w && w <= width && 0 < h && h <= height) {
                int i = random.nextInt(height - h + 1);
                int j = random.nextInt(width - w + 1);
                return new Box(j, i, w, h);
            }
        }
        double inRatio = (double) width / height;
        int w;
        int h;
        if (inRatio < minRatio) {
            w = width;
            h = (int) Math.rint(w / minRatio);
        } else if (inRatio > maxRatio) {
            h = height;
            w = (int) Math.rint(h * maxRatio);
        } else {
            w = width;
            h = height;
        }
        return new Box((width - w) / 2, (height - h) / 2, w, h);
    }

    /** Chooses a box and resamples it to size x size planar CHW floats at {@code out[offset ..]}; see Resampler. */
    public void apply(RgbImage image, boolean flip, SplittableRandom random, float[] out, int offset) {
        Objects.requireNonNull(image, "image");
        Box b = box(image.width(), image.height(), random);
        Resampler.cropResize(image, b.x(), b.y(), b.width(), b.height(), size, size, flip, out, offset);
    }

    /** U(lo, hi); SplittableRandom rejects an empty range, so lo == hi returns lo. */
    private static double uniform(SplittableRandom random, double lo, double hi) {
        return lo < hi ? random.nextDouble(lo, hi) : lo;
    }
}
