package ai.synergy.prediction;

import ai.synergy.data.image.BadImageException;
import ai.synergy.data.image.CenterCrop;
import ai.synergy.data.image.ImageDecoder;
import ai.synergy.data.image.RgbImage;
import ai.synergy.dks.HeadOutputs;
import ai.synergy.evaluation.ModelSnapshot;
import ai.synergy.spark.ExecutorSetup;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.TaskCompletionListener;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Executor side: scores minibatches of image bytes with a network, the one code path of {@code predict} and of the
 * Spark ML transformer. Each image is decoded ({@link ImageDecoder}: JPEG, PNG, GIF, BMP, by content) and cropped
 * with the evaluation transform of {@code evaluate} ({@link CenterCrop}); the images that decode go through the
 * network together; an image that does not decode, or whose bytes could not be read, gets its reason instead of
 * classes and never stops the task. A deeply supervised training graph is read by its main head.
 */
public final class ImageScorer {
    /** Why an image's bytes could not be read (the decoder's reasons are {@link BadImageException.Reason}). */
    public static final String UNREADABLE = "UNREADABLE";

    private final ComputationGraph graph;
    private final Scoring scoring;
    private final CenterCrop crop;

    /** Scores with {@code graph} as {@code scoring} says. */
    public ImageScorer(ComputationGraph graph, Scoring scoring) {
        this.graph = graph;
        this.scoring = scoring;
        this.crop = new CenterCrop(scoring.imageSize(), scoring.evalCrop());
    }

    /**
     * A scorer for the running task: sets the task up ({@link ExecutorSetup}) and takes an idle network of
     * {@code model} from this JVM's pool (or restores one), handing it back when the task completes.
     */
    public static ImageScorer forTask(Broadcast<ModelSnapshot> model, Scoring scoring) {
        ExecutorSetup.forCurrentTask();
        ComputationGraph graph = Networks.take(model);
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) context -> Networks.giveBack(model.id(), graph));
        }
        return new ImageScorer(graph, scoring);
    }

    /** The scoring settings. */
    public Scoring scoring() {
        return scoring;
    }

    /**
     * One image to score: its bytes, or why they could not be read.
     *
     * @param bytes  the file's content, or null
     * @param reason why there are no bytes ({@link #UNREADABLE}), or null
     * @param detail what exactly went wrong, or null
     */
    public record Input(byte[] bytes, String reason, String detail) {
        /** An image read whole. */
        public static Input of(byte[] bytes) {
            return new Input(bytes, null, null);
        }

        /** An image whose bytes could not be read. */
        public static Input unreadable(String detail) {
            return new Input(null, UNREADABLE, detail);
        }
    }

    /**
     * One class of an image's result.
     *
     * @param index       the class index (the label it stands for)
     * @param name        its name
     * @param probability the network's probability for it
     */
    public record TopClass(int index, String name, double probability) {
    }

    /**
     * What scoring one image gave: its most probable classes, or why it has none.
     *
     * @param top    the {@link Scoring#topK()} most probable classes, most probable first (ties: lower index first);
     *               null when the image was not scored
     * @param reason EMPTY, NOT_AN_IMAGE, TRUNCATED, CORRUPT or UNREADABLE when it was not scored, else null
     * @param detail what exactly was wrong, else null
     */
    public record Outcome(List<TopClass> top, String reason, String detail) {
        /** True when the image was scored. */
        public boolean scored() {
            return top != null;
        }

        /**
         * The reason and the detail in one line ({@code "TRUNCATED: JPEG of 812 bytes has no EOI marker"}), or null.
         */
        public String error() {
            return top != null ? null : detail == null ? reason : reason + ": " + detail;
        }
    }

    /** Scores {@code images} in one forward pass (at most {@link Scoring#batchSize()} of them); one outcome each. */
    public List<Outcome> score(List<Input> images) {
        int n = images.size();
        int s = scoring.imageSize();
        int imageFloats = 3 * s * s;
        Outcome[] outcomes = new Outcome[n];
        float[] features = new float[n * imageFloats];
        int[] rowOf = new int[n];
        int good = 0;
        for (int i = 0; i < n; i++) {
            Input input = images.get(i);
            if (input.bytes() == null) {
                outcomes[i] = new Outcome(null, input.reason(), input.detail());
                continue;
            }
            RgbImage image;
            try {
                image = ImageDecoder.decode(input.bytes());
            } catch (BadImageException e) {
                String reason = e.reason().name();
                String message = e.getMessage();
                outcomes[i] = new Outcome(null, reason, message.startsWith(reason + ": ")
                        ? message.substring(reason.length() + 2) : message);
                continue;
            }
            crop.apply(image, false, features, good * imageFloats);
            rowOf[good++] = i;
        }
        if (good > 0) {
            INDArray x = Nd4j.create(good == n ? features : Arrays.copyOf(features, good * imageFloats),
                    new long[]{good, 3, s, s}, DataType.FLOAT);
            float[][] probabilities = probabilities(graph.outputSingle(false, x));
            for (int r = 0; r < good; r++) {
                outcomes[rowOf[r]] = new Outcome(top(probabilities[r]), null, null);
            }
        }
        return List.of(outcomes);
    }

    /** Class probabilities per image: the output itself, or a deeply supervised graph's main-head softmax. */
    private float[][] probabilities(INDArray output) {
        int classes = scoring.classes();
        long width = output.size(1);
        if (width != classes) {
            if (width % classes != 0) {
                throw new IllegalStateException("network output width " + width + " is not a multiple of " + classes
                        + " classes");
            }
            output = HeadOutputs.softmaxPerHead(output, (int) (width / classes), classes)[0];
        }
        return output.castTo(DataType.FLOAT).toFloatMatrix();
    }

    /** The {@link Scoring#topK()} largest probabilities, largest first, the lower index first among equals. */
    List<TopClass> top(float[] p) {
        int k = scoring.topK();
        List<TopClass> top = new ArrayList<>(k);
        boolean[] taken = new boolean[p.length];
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int c = 0; c < p.length; c++) {
                if (!taken[c] && (best < 0 || p[c] > p[best])) {
                    best = c;
                }
            }
            taken[best] = true;
            top.add(new TopClass(best, scoring.classNames().get(best), p[best]));
        }
        return top;
    }

    /**
     * The networks this JVM's scoring tasks used, idle, so that a task does not restore its network from the
     * broadcast configuration (ResNet-18: about 0.5 s). Only the latest model's are kept, at most {@value #MAX_IDLE}.
     */
    static final class Networks {
        static final int MAX_IDLE = 8;
        private static final Deque<ComputationGraph> IDLE = new ArrayDeque<>();
        private static long idleModel = -1;

        private Networks() {
        }

        static ComputationGraph take(Broadcast<ModelSnapshot> model) {
            synchronized (Networks.class) {
                if (model.id() == idleModel && !IDLE.isEmpty()) {
                    return IDLE.pollFirst();
                }
            }
            return model.value().restore();
        }

        static synchronized void giveBack(long model, ComputationGraph graph) {
            if (model != idleModel) {
                IDLE.clear();
                idleModel = model;
            }
            if (IDLE.size() < MAX_IDLE) {
                IDLE.addFirst(graph);
            }
        }
    }
}
