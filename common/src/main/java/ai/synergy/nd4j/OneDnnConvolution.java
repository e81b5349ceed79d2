package ai.synergy.nd4j;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * One float convolution shape run by oneDNN directly, with its primitives created once: the forward convolution, the
 * backward-data and backward-weights convolutions (oneDNN's "convolution_forward", "convolution_backward_data",
 * "convolution_backward_weights", algorithm direct), each created with format {@code any} so that oneDNN picks its
 * blocked layouts (nChw8c and OIhw8i8o on AVX2), and the reorders between those layouts and ND4J's plain NCHW/OIHW
 * arrays. libnd4j's own oneDNN convolution, which DL4J's {@code MKLDNNConvHelper} calls, creates every primitive and
 * reorder again on every call; here a call only points the memories at the current ND4J buffers and executes.
 *
 * <p>The blocked copies of the operands hold nothing between calls, so they live in one scratch block per thread
 * ({@link Scratch}), as large as the largest shape that thread has run; the primitives hold only their descriptors.
 * An instance is used by one thread at a time (DL4J runs a layer on one thread); {@link #close} frees its native
 * objects.
 *
 * <p>Negative bottom/right padding (a {@code Same}-mode stride-2 1x1 convolution on an even input leaves the last row
 * and column unused) becomes a smaller input view with the full tensor's strides; the input gradient's unused rows
 * must then be zero beforehand ({@link #cropsInput}).
 */
final class OneDnnConvolution implements AutoCloseable {
    private static final memory.data_type F32 = memory.data_type.f32;

    private final ConvGeometry g;
    private final boolean bias;
    private final List<Pointer> owned = new ArrayList<>();
    private final stream stream;
    private final Operand src;
    private final Operand weights;
    private final memory biasMemory;
    private final Operand dst;
    private final primitive forward;
    private final IntMemoryMap forwardArgs;
    private final Operand bdDiffDst;
    private final Operand bdWeights;
    private final Operand bdDiffSrc;
    private final primitive backwardData;
    private final IntMemoryMap backwardDataArgs;
    private final Operand bwSrc;
    private final Operand bwDiffDst;
    private final Operand bwDiffWeights;
    private final memory diffBiasMemory;
    private final primitive backwardWeights;
    private final IntMemoryMap backwardWeightsArgs;
    private final long scratchBytes;
    private final String implementation;

    /** Creates the primitives for {@code g} ({@code bias}: the layer adds a learned bias per output channel). */
    OneDnnConvolution(ConvGeometry g, boolean bias) {
        this.g = g;
        this.bias = bias;
        engine eng = Engine.CPU;
        stream = own(new stream(eng));
        long hIn = g.h() + Math.min(0, g.padBottom());
        long wIn = g.w() + Math.min(0, g.padRight());
        long[] srcDims = {g.n(), g.c(), hIn, wIn};
        long[] srcStrides = {(long) g.c() * g.h() * g.w(), (long) g.h() * g.w(), g.w(), 1};
        memory.desc srcUser = own(new memory.desc(srcDims, F32, srcStrides));
        memory.desc weightsUser = own(new memory.desc(g.weightShape(), F32, memory.format_tag.oihw));
        memory.desc dstUser = own(new memory.desc(g.outputShape(), F32, memory.format_tag.nchw));
        memory.desc biasDesc = own(new memory.desc(new long[]{g.co()}, F32, memory.format_tag.x));
        memory.desc srcAny = own(new memory.desc(srcDims, F32, memory.format_tag.any));
        memory.desc weightsAny = own(new memory.desc(g.weightShape(), F32, memory.format_tag.any));
        memory.desc dstAny = own(new memory.desc(g.outputShape(), F32, memory.format_tag.any));
        long[] strides = {g.sh(), g.sw()};
        long[] padL = {g.padTop(), g.padLeft()};
        long[] padR = {Math.max(0, g.padBottom()), Math.max(0, g.padRight())};
        Layout layout = new Layout();

        convolution_forward.desc fd = own(bias
                ? new convolution_forward.desc(dnnl.prop_kind.forward_training, dnnl.algorithm.convolution_direct,
                srcAny, weightsAny, biasDesc, dstAny, strides, padL, padR)
                : new convolution_forward.desc(dnnl.prop_kind.forward_training, dnnl.algorithm.convolution_direct,
                srcAny, weightsAny, dstAny, strides, padL, padR));
        convolution_forward.primitive_desc fpd = own(new convolution_forward.primitive_desc(fd, eng));
        src = new Operand(srcUser, own(fpd.src_desc()), true, layout);
        weights = new Operand(weightsUser, own(fpd.weights_desc()), true, layout);
        dst = new Operand(dstUser, own(fpd.dst_desc()), false, layout);
        biasMemory = bias ? own(new memory(biasDesc, eng, (Pointer) null)) : null;
        forward = own(new convolution_forward(fpd));
        forwardArgs = own(new IntMemoryMap());
        forwardArgs.put(dnnl.DNNL_ARG_SRC, src.forPrimitive());
        forwardArgs.put(dnnl.DNNL_ARG_WEIGHTS, weights.forPrimitive());
        forwardArgs.put(dnnl.DNNL_ARG_DST, dst.forPrimitive());
        if (bias) {
            forwardArgs.put(dnnl.DNNL_ARG_BIAS, biasMemory);
        }

        convolution_backward_data.desc bdd = own(new convolution_backward_data.desc(
                dnnl.algorithm.convolution_direct, srcAny, weightsAny, dstAny, strides, padL, padR));
        convolution_backward_data.primitive_desc bdpd = own(new convolution_backward_data.primitive_desc(bdd, eng,
                fpd));
        bdDiffDst = new Operand(dstUser, own(bdpd.diff_dst_desc()), true, layout);
        bdWeights = new Operand(weightsUser, own(bdpd.weights_desc()), true, layout);
        bdDiffSrc = new Operand(srcUser, own(bdpd.diff_src_desc()), false, layout);
        backwardData = own(new convolution_backward_data(bdpd));
        backwardDataArgs = own(new IntMemoryMap());
        backwardDataArgs.put(dnnl.DNNL_ARG_DIFF_DST, bdDiffDst.forPrimitive());
        backwardDataArgs.put(dnnl.DNNL_ARG_WEIGHTS, bdWeights.forPrimitive());
        backwardDataArgs.put(dnnl.DNNL_ARG_DIFF_SRC, bdDiffSrc.forPrimitive());

        convolution_backward_weights.desc bwd = own(bias
                ? new convolution_backward_weights.desc(dnnl.algorithm.convolution_direct, srcAny, weightsAny,
                biasDesc, dstAny, strides, padL, padR)
                : new convolution_backward_weights.desc(dnnl.algorithm.convolution_direct, srcAny, weightsAny,
                dstAny, strides, padL, padR));
        convolution_backward_weights.primitive_desc bwpd = own(new convolution_backward_weights.primitive_desc(bwd,
                eng, fpd));
        bwSrc = new Operand(srcUser, own(bwpd.src_desc()), true, layout);
        bwDiffDst = new Operand(dstUser, own(bwpd.diff_dst_desc()), true, layout);
        bwDiffWeights = new Operand(weightsUser, own(bwpd.diff_weights_desc()), false, layout);
        diffBiasMemory = bias ? own(new memory(biasDesc, eng, (Pointer) null)) : null;
        backwardWeights = own(new convolution_backward_weights(bwpd));
        backwardWeightsArgs = own(new IntMemoryMap());
        backwardWeightsArgs.put(dnnl.DNNL_ARG_SRC, bwSrc.forPrimitive());
        backwardWeightsArgs.put(dnnl.DNNL_ARG_DIFF_DST, bwDiffDst.forPrimitive());
        backwardWeightsArgs.put(dnnl.DNNL_ARG_DIFF_WEIGHTS, bwDiffWeights.forPrimitive());
        if (bias) {
            backwardWeightsArgs.put(dnnl.DNNL_ARG_DIFF_BIAS, diffBiasMemory);
        }
        scratchBytes = layout.bytes;
        implementation = fpd.impl_info_str().getString() + " / " + bdpd.impl_info_str().getString() + " / "
                + bwpd.impl_info_str().getString();
    }

    /** True when the input has rows or columns no output reaches, so the input gradient has rows nothing writes. */
    boolean cropsInput() {
        return g.padBottom() < 0 || g.padRight() < 0;
    }

    /** oneDNN's implementation names for forward / backward data / backward weights, e.g. {@code jit:avx2}. */
    String implementation() {
        return implementation;
    }

    /** Bytes of blocked copies one call needs (in the thread's scratch block). */
    long scratchBytes() {
        return scratchBytes;
    }

    /** {@code out = conv(input, weights) [+ bias]}; all c-order float arrays of this geometry's shapes. */
    void forward(INDArray input, INDArray w, INDArray b, INDArray out) {
        long base = Scratch.base(scratchBytes);
        src.bind(input, base);
        weights.bind(w, base);
        dst.bind(out, base);
        if (bias) {
            biasMemory.set_data_handle(address(b));
        }
        src.in(stream);
        weights.in(stream);
        forward.execute(stream, forwardArgs);
        dst.out(stream);
        stream._wait();
    }

    /**
     * The input gradient {@code epsOut = conv_backward_data(delta, weights)} and the parameter gradients
     * {@code weightGrad = conv_backward_weights(input, delta)}, {@code biasGrad = sum of delta} (when the layer has a
     * bias); {@code delta} is dLoss/d(pre-activation output). The gradient arrays are overwritten.
     */
    void backward(INDArray input, INDArray w, INDArray delta, INDArray epsOut, INDArray weightGrad, INDArray biasGrad) {
        long base = Scratch.base(scratchBytes);
        bdDiffDst.bind(delta, base);
        bdWeights.bind(w, base);
        bdDiffSrc.bind(epsOut, base);
        bdDiffDst.in(stream);
        bdWeights.in(stream);
        backwardData.execute(stream, backwardDataArgs);
        bdDiffSrc.out(stream);

        bwSrc.bind(input, base);
        bwDiffDst.bind(delta, base);
        bwDiffWeights.bind(weightGrad, base);
        if (bias) {
            diffBiasMemory.set_data_handle(address(biasGrad));
        }
        bwSrc.in(stream);
        bwDiffDst.in(stream);
        backwardWeights.execute(stream, backwardWeightsArgs);
        bwDiffWeights.out(stream);
        stream._wait();
    }

    @Override
    public void close() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
        owned.clear();
    }

    private <T extends Pointer> T own(T pointer) {
        owned.add(pointer);
        return pointer;
    }

    /** The address of an array's first element; the array must be dense in c order (checked). */
    static Pointer address(INDArray array) {
        if (array.dataType() != DataType.FLOAT || !isDenseC(array)) {
            throw new IllegalArgumentException("oneDNN convolution needs c-order float arrays with default strides, got "
                    + array.shapeInfoToString());
        }
        return new RawAddress(array.data().address() + array.offset() * Float.BYTES);
    }

    /**
     * True when the array's elements lie in c order without gaps (strides of dimensions of size 1 do not matter: ND4J
     * views such as a 1x1 kernel's [co, c, 1, 1] weights need not carry the default ones).
     */
    static boolean isDenseC(INDArray array) {
        long[] shape = array.shape();
        long[] stride = array.stride();
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    /** A plain address as a JavaCPP pointer (not owned: nothing to free). */
    private static final class RawAddress extends Pointer {
        RawAddress(long address) {
            this.address = address;
        }
    }

    /** Offsets of the blocked copies in the scratch block, 64-byte aligned. */
    private static final class Layout {
        long bytes;

        long take(long size) {
            long offset = bytes;
            bytes += (size + 63) & ~63L;
            return offset;
        }
    }

    /**
     * One operand as ND4J holds it (plain layout, the array's buffer) and, when the primitive wants another layout,
     * its blocked copy in the scratch block and the reorder between the two.
     */
    private final class Operand {
        private final memory user;
        private final memory inner;
        private final reorder reorder;
        private final long offset;

        Operand(memory.desc userDesc, memory.desc primitiveDesc, boolean input, Layout layout) {
            user = own(new memory(userDesc, Engine.CPU, (Pointer) null));
            if (primitiveDesc.equals(userDesc)) {
                inner = null;
                reorder = null;
                offset = -1;
            } else {
                inner = own(new memory(primitiveDesc, Engine.CPU, (Pointer) null));
                reorder = own(input ? new reorder(user, inner) : new reorder(inner, user));
                offset = layout.take(primitiveDesc.get_size());
            }
        }

        memory forPrimitive() {
            return inner != null ? inner : user;
        }

        void bind(INDArray array, long scratchBase) {
            user.set_data_handle(address(array));
            if (inner != null) {
                inner.set_data_handle(new RawAddress(scratchBase + offset));
            }
        }

        /** Copies the ND4J array into the primitive's layout (inputs). */
        void in(stream s) {
            if (reorder != null) {
                reorder.execute(s, user, inner);
            }
        }

        /** Copies the primitive's result into the ND4J array (outputs). */
        void out(stream s) {
            if (reorder != null) {
                reorder.execute(s, inner, user);
            }
        }
    }

    /** The CPU engine, created when first used (loading oneDNN's native library). */
    static final class Engine {
        static final engine CPU = new engine(engine.kind.cpu, 0);

        private Engine() {
        }
    }

    /**
     * One scratch block per thread for the blocked copies, grown (never shrunk) to the largest need seen on that
     * thread; freed with the thread. Its size is bounded by the largest convolution the thread runs, whatever the
     * number of layers or networks.
     */
    static final class Scratch {
        private static final ThreadLocal<Scratch> THREAD = ThreadLocal.withInitial(Scratch::new);
        private BytePointer block;
        private long capacity;

        /** A 64-byte aligned address with at least {@code bytes} bytes behind it, valid until the next call. */
        static long base(long bytes) {
            return THREAD.get().ensure(bytes);
        }

        /** Bytes the calling thread's block holds now. */
        static long capacity() {
            return THREAD.get().capacity;
        }

        private long ensure(long bytes) {
            if (bytes > capacity) {
                if (block != null) {
                    block.close();
                }
                capacity = Math.max(bytes, capacity + capacity / 4);
                block = new BytePointer(capacity + 64);
            }
            if (block == null) {
                return 0;
            }
            return (block.address() + 63) & ~63L;
        }
    }
}
