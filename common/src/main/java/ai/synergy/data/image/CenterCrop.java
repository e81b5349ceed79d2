package ai.synergy.data.image;

import java.util.Objects;

/**
 * The standard ImageNet evaluation transform: resize the shorter side to {@code size / cropFraction}, then take the
 * central size x size square (torchvision {@code Resize(256)} + {@code CenterCrop(224)} for size 224 and 0.875).
 *
 * <p>Done as one {@link Resampler#cropResize} of the corresponding centred source square, of side
 * {@code cropFraction * shorterSide}, with no intermediate image. Unlike torchvision, the intermediate size and the
 * crop offset are not rounded to whole pixels, so the box may start at a half pixel.
 *
 * @param size         output side in pixels, at least 1
 * @param cropFraction fraction of the shorter side kept, in (0, 1]; 1.0 resizes the shorter side to size exactly
 */
public record CenterCrop(int size, double cropFraction) {

    /** Checks every field. */
    public CenterCrop {
        if (size < 1) {
            throw new IllegalArgumentException("size must be >= 1, got " + size);
        }
        if (!(cropFraction > 0) || !(cropFraction <= 1)) {
            throw new IllegalArgumentException("cropFraction must be in (0, 1], got " + cropFraction);
        }
    }

    /** The usual evaluation crop: the shorter side resized to size / 0.875 (256 for 224), centre size x size. */
    public static CenterCrop imagenet(int size) {
        return new CenterCrop(size, 0.875);
    }

    /** A square source region at pixel-edge coordinates: [x, x + side) x [y, y + side). */
    public record SourceBox(double x, double y, double side) {
    }

    /** The centred source square that becomes the output, for a width x height image. */
    public SourceBox sourceBox(int width, int height) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be >= 1, got " + width + "x" + height);
        }
        double side = cropFraction * Math.min(width, height);
        return new SourceBox((width - side) / 2, (height - side) / 2, side);
    }

    /** Writes the size x size crop as planar CHW floats at {@code out[offset ..]}, mirrored if flip. */
    public void apply(RgbImage image, boolean flip, float[] out, int offset) {
        Objects.requireNonNull(image, "image");
        SourceBox b = sourceBox(image.width(), image.height());
        Resampler.cropResize(image, b.x(), b.y(), b.side(), b.side(), size, size, flip, out, offset);
    }
}
