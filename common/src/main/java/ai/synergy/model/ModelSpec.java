package ai.synergy.model;

import ai.synergy.config.Require;

import java.util.List;

/**
 * Everything that defines a network's shape and initialisation: architecture, width, input and classes.
 *
 * @param architecture    the ResNet family and depth
 * @param widthMultiplier channel multiplier of the CIFAR family (1 = 16/32/64 channels; 0.5 = 8/16/32; channels are
 *                        rounded, at least 1); must be 1 for ImageNet
 * @param inputChannels   1 (grey) or 3 (RGB)
 * @param inputHeight     input height in pixels
 * @param inputWidth      input width in pixels
 * @param numClasses      number of output classes
 * @param inputMean       per-channel mean, subtracted inside the network from inputs in [0, 1] (so the data
 *                        pipeline and the attacks work in [0, 1] pixel units)
 * @param inputStd        per-channel standard deviation dividing the shifted input inside the network
 * @param seed            weight initialisation seed
 */
public record ModelSpec(
        ModelArchitecture architecture,
        double widthMultiplier,
        int inputChannels,
        int inputHeight,
        int inputWidth,
        int numClasses,
        List<Double> inputMean,
        List<Double> inputStd,
        long seed) {

    public ModelSpec {
        if (architecture == null) {
            throw new IllegalArgumentException("architecture must be set");
        }
        Require.inClosed("widthMultiplier", widthMultiplier, 1 / 16.0, 64);
        Require.that(architecture.family() != ModelArchitecture.Family.IMAGENET || widthMultiplier == 1,
                "widthMultiplier", "applies to the CIFAR family only, got " + widthMultiplier);
        if (inputChannels != 1 && inputChannels != 3) {
            throw new IllegalArgumentException("inputChannels must be 1 or 3, got " + inputChannels);
        }
        if (inputHeight < 8 || inputWidth < 8) {
            throw new IllegalArgumentException("input must be at least 8x8, got " + inputHeight + "x" + inputWidth);
        }
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses must be >= 2, got " + numClasses);
        }
        if (inputMean == null || inputStd == null || inputMean.size() != inputChannels
                || inputStd.size() != inputChannels) {
            throw new IllegalArgumentException("inputMean and inputStd need one value per input channel ("
                    + inputChannels + "), got " + inputMean + " and " + inputStd);
        }
        if (!inputStd.stream().allMatch(s -> s > 0)) {
            throw new IllegalArgumentException("inputStd entries must be > 0, got " + inputStd);
        }
        inputMean = List.copyOf(inputMean);
        inputStd = List.copyOf(inputStd);
    }
}
