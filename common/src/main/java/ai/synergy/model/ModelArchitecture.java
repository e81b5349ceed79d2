package ai.synergy.model;

import ai.synergy.config.InvalidSettingException;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A ResNet architecture named on the command line: the CIFAR family ResNet-n (n = 6k+2, three stages of k basic
 * blocks, He et al. 2016 section 4.2) or the ImageNet family ResNet-18/34/50/101/152 (He et al. 2016 table 1).
 *
 * <p>Names: {@code resnet18|34|50|101|152} are the ImageNet family; any other {@code resnetN} with N = 6k+2 (8, 14,
 * 20, 32, 56, 110, ...) is the CIFAR family. {@code cifar-resnetN} and {@code imagenet-resnetN} name a family
 * explicitly (e.g. {@code cifar-resnet50}).
 *
 * @param family the block layout
 * @param depth  the number of weighted layers (n)
 */
public record ModelArchitecture(Family family, int depth) {

    /** The two ResNet families. */
    public enum Family { CIFAR, IMAGENET }

    private static final Pattern NAME = Pattern.compile("(cifar-|imagenet-)?resnet(\\d+)");

    public ModelArchitecture {
        if (family == Family.CIFAR && (depth < 8 || (depth - 2) % 6 != 0)) {
            throw new IllegalArgumentException("CIFAR ResNet depth must be 6k+2 with k >= 1, got " + depth);
        }
        if (family == Family.IMAGENET && stageBlocks(depth) == null) {
            throw new IllegalArgumentException("ImageNet ResNet depth must be 18, 34, 50, 101 or 152, got " + depth);
        }
    }

    /** Parses a model name given to {@code --model}; the error names the flag and lists what is accepted. */
    public static ModelArchitecture parse(String name) {
        Matcher m = NAME.matcher(name == null ? "" : name.toLowerCase(Locale.ROOT));
        String accepted = "accepted: resnet8, resnet20, resnet32, resnet56, resnet110 (CIFAR family, any 6k+2), "
                + "resnet18, resnet34, resnet50, resnet101, resnet152 (ImageNet family), cifar-resnetN, imagenet-resnetN";
        if (!m.matches()) {
            throw new InvalidSettingException("model", ": unknown model '" + name + "'; " + accepted);
        }
        int depth = Integer.parseInt(m.group(2));
        String prefix = m.group(1);
        boolean imagenetDepth = stageBlocks(depth) != null;
        Family family = prefix == null ? (imagenetDepth ? Family.IMAGENET : Family.CIFAR)
                : prefix.startsWith("cifar") ? Family.CIFAR : Family.IMAGENET;
        try {
            return new ModelArchitecture(family, depth);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException("model", ": unknown model '" + name + "' (" + e.getMessage() + "); " + accepted);
        }
    }

    /** Blocks per stage of the ImageNet family, or null for an unknown depth. */
    static int[] stageBlocks(int depth) {
        return switch (depth) {
            case 18 -> new int[]{2, 2, 2, 2};
            case 34, 50 -> new int[]{3, 4, 6, 3};
            case 101 -> new int[]{3, 4, 23, 3};
            case 152 -> new int[]{3, 8, 36, 3};
            default -> null;
        };
    }

    /** True for ResNet-50/101/152 (bottleneck blocks with expansion 4). */
    public boolean bottleneck() {
        return family == Family.IMAGENET && depth >= 50;
    }

    /** The canonical name, e.g. {@code resnet20} or {@code cifar-resnet50}. */
    public String canonicalName() {
        boolean ambiguous = stageBlocks(depth) != null;
        if (family == Family.CIFAR) {
            return (ambiguous ? "cifar-" : "") + "resnet" + depth;
        }
        return "resnet" + depth;
    }
}
