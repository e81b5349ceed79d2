package ai.synergy.bench.anchor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;

import java.util.List;

/**
 * The project's ResNets ({@code common/.../ai/synergy/model/ResNets.java}) rebuilt layer for layer as DJL blocks.
 *
 * <p>Same structure as the DL4J graphs: a per-channel input normalisation without parameters (DL4J's
 * {@code ChannelNormVertex}); the stem conv (no bias) - BN - ReLU (ImageNet family: 7x7 stride 2, then 3x3 stride 2
 * max pool); stages of basic blocks, conv3x3(stride)-BN-ReLU-conv3x3-BN plus the shortcut (identity, or 1x1 conv
 * with the stride and no bias followed by BN when the shape changes: option B), sum, ReLU; global average pool; a dense
 * layer with bias giving logits (softmax is inside the loss). DL4J's "same" convolution mode is written as explicit
 * padding: 1 for 3x3, 3 for 7x7, 0 for 1x1, 1 for the 3x3 max pool, which gives the same output sizes.
 *
 * <p>Weights are DJL's defaults: {@code Parameter.Type.WEIGHT} uses {@code XavierInitializer(GAUSSIAN, IN, 2)}, i.e.
 * He/Kaiming normal with fan-in (DL4J: {@code WeightInit.RELU} for convolutions, Xavier for the classifier); biases and
 * BN beta 0, BN gamma 1. BN: epsilon 1e-5, momentum 0.9 (DJL and DL4J defaults alike).
 */
public final class AnchorResNets {
    private AnchorResNets() {
    }

    /** A built network: the block and its forward multiply-accumulates per image (convolutions and dense layers). */
    public record Network(String name, Block block, long forwardMacsPerImage) {
    }

    /**
     * Builds {@code resnet20} (CIFAR family: 3 stages of 3 blocks, widths 16/32/64), {@code resnet18} (ImageNet
     * family: 4 stages of 2 blocks, widths 64..512) or {@code resnet50} (ImageNet family: 3/4/6/3 bottleneck blocks of
     * widths 64..512 expanded by 4, the stride on the 3x3 as torchvision's v1.5 and synergy's ResNets) for inputs of
     * {@code channels x height x width}.
     */
    public static Network build(String model, int channels, int height, int width, int classes) {
        Builder b = new Builder(channels, height, width);
        SequentialBlock net = new SequentialBlock();
        net.add(normalization(channels));
        switch (model) {
            case "resnet20" -> {
                net.add(b.convBn(3, 1, 16)).add(Activation.reluBlock());
                for (int stage = 0; stage < 3; stage++) {
                    for (int block = 0; block < 3; block++) {
                        net.add(b.basicBlock(16 << stage, stage > 0 && block == 0 ? 2 : 1));
                    }
                }
            }
            case "resnet18" -> {
                net.add(b.convBn(7, 2, 64)).add(Activation.reluBlock());
                net.add(b.maxPool3x3Stride2());
                for (int stage = 0; stage < 4; stage++) {
                    for (int block = 0; block < 2; block++) {
                        net.add(b.basicBlock(64 << stage, stage > 0 && block == 0 ? 2 : 1));
                    }
                }
            }
            case "resnet50" -> {
                net.add(b.convBn(7, 2, 64)).add(Activation.reluBlock());
                net.add(b.maxPool3x3Stride2());
                int[] blocks = {3, 4, 6, 3};
                for (int stage = 0; stage < 4; stage++) {
                    for (int block = 0; block < blocks[stage]; block++) {
                        net.add(b.bottleneckBlock(64 << stage, stage > 0 && block == 0 ? 2 : 1));
                    }
                }
            }
            default -> throw new IllegalArgumentException("unknown model " + model + " (resnet20, resnet18, resnet50)");
        }
        net.add(Pool.globalAvgPool2dBlock()).add(Blocks.batchFlattenBlock());
        net.add(Linear.builder().setUnits(classes).optBias(true).build());
        b.macs += (long) b.channels * classes;
        return new Network(model, net, b.macs);
    }

    /**
     * (x - mean) / std per channel, as DL4J's {@code ChannelNormVertex}; ImageNet's RGB statistics for 3 channels,
     * 0.5 / 0.25 otherwise (the values do not change the cost).
     */
    private static Block normalization(int channels) {
        float[] mean = new float[channels];
        float[] std = new float[channels];
        float[] rgbMean = {0.485f, 0.456f, 0.406f};
        float[] rgbStd = {0.229f, 0.224f, 0.225f};
        for (int c = 0; c < channels; c++) {
            mean[c] = channels == 3 ? rgbMean[c] : 0.5f;
            std[c] = channels == 3 ? rgbStd[c] : 0.25f;
        }
        Shape shape = new Shape(1, channels, 1, 1);
        return new LambdaBlock(in -> {
            NDArray x = in.singletonOrThrow();
            NDArray m = x.getManager().create(mean, shape);
            NDArray s = x.getManager().create(std, shape);
            return new NDList(x.sub(m).div(s));
        }, "norm");
    }

    /** Tracks the activation shape while blocks are added, to count multiply-accumulates. */
    private static final class Builder {
        int channels;
        int height;
        int width;
        long macs;

        Builder(int channels, int height, int width) {
            this.channels = channels;
            this.height = height;
            this.width = width;
        }

        /** conv k x k (stride, "same" padding, no bias) followed by batch norm. */
        SequentialBlock convBn(int kernel, int stride, int filters) {
            int pad = kernel / 2;
            height = (height + 2 * pad - kernel) / stride + 1;
            width = (width + 2 * pad - kernel) / stride + 1;
            macs += (long) height * width * filters * channels * kernel * kernel;
            channels = filters;
            return new SequentialBlock()
                    .add(Conv2d.builder()
                            .setKernelShape(new Shape(kernel, kernel))
                            .optStride(new Shape(stride, stride))
                            .optPadding(new Shape(pad, pad))
                            .setFilters(filters)
                            .optBias(false)
                            .build())
                    .add(BatchNorm.builder().optEpsilon(1e-5f).optMomentum(0.9f).build());
        }

        Block maxPool3x3Stride2() {
            height = (height + 2 - 3) / 2 + 1;
            width = (width + 2 - 3) / 2 + 1;
            return Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1));
        }

        /** conv3x3(stride)-BN-ReLU-conv3x3-BN, plus identity or 1x1 conv(stride)-BN shortcut; sum; ReLU. */
        Block basicBlock(int width, int stride) {
            int inChannels = channels;
            int inHeight = height;
            int inWidth = this.width;
            SequentialBlock branch = new SequentialBlock()
                    .add(convBn(3, stride, width))
                    .add(Activation.reluBlock())
                    .add(convBn(3, 1, width));
            return residual(branch, inChannels, inHeight, inWidth, width, stride);
        }

        /**
         * conv1x1-BN-ReLU, conv3x3(stride)-BN-ReLU, conv1x1 to 4 x width-BN, plus identity or 1x1 conv(stride)-BN
         * shortcut; sum; ReLU (He et al. 2016, figure 5).
         */
        Block bottleneckBlock(int width, int stride) {
            int inChannels = channels;
            int inHeight = height;
            int inWidth = this.width;
            SequentialBlock branch = new SequentialBlock()
                    .add(convBn(1, 1, width))
                    .add(Activation.reluBlock())
                    .add(convBn(3, stride, width))
                    .add(Activation.reluBlock())
                    .add(convBn(1, 1, width * 4));
            return residual(branch, inChannels, inHeight, inWidth, width * 4, stride);
        }

        /** {@code branch} (already added, the shape now its output's) summed with the input's shortcut; ReLU. */
        private Block residual(Block branch, int inChannels, int inHeight, int inWidth, int width, int stride) {
            Block shortcut;
            if (stride != 1 || inChannels != width) {
                int outChannels = channels;
                int outHeight = height;
                int outWidth = this.width;
                channels = inChannels;
                height = inHeight;
                this.width = inWidth;
                shortcut = convBn(1, stride, width);
                if (channels != outChannels || height != outHeight || this.width != outWidth) {
                    throw new IllegalStateException("shortcut and branch shapes differ");
                }
            } else {
                shortcut = Blocks.identityBlock();
            }
            ParallelBlock sum = new ParallelBlock(
                    outputs -> new NDList(outputs.get(0).singletonOrThrow().add(outputs.get(1).singletonOrThrow())),
                    List.of(branch, shortcut));
            return new SequentialBlock().add(sum).add(Activation.reluBlock());
        }
    }
}
