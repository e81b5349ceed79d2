package ai.synergy.dataset;

import ai.synergy.config.InvalidSettingException;

import java.util.Locale;

/** Training-time augmentation of JPEG data sets ({@code --augment}); evaluation always uses the center crop. */
public enum Augmentation {
    /** Random-resized-crop (scale 0.08-1, ratio 3/4-4/3) and horizontal flip: the standard ImageNet recipe. */
    IMAGENET,
    /** The evaluation center crop plus a random horizontal flip: for small images and short runs. */
    FLIP,
    /** The evaluation center crop only: deterministic inputs. */
    NONE;

    /** Parses the flag value ({@code imagenet}, {@code flip}, {@code none}). */
    public static Augmentation parse(String value) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidSettingException("augmentation", ": unknown augmentation '" + value
                    + "'; accepted: imagenet, flip, none");
        }
    }
}
