package ai.synergy.prediction;

import ai.synergy.data.image.BadImageException;
import ai.synergy.data.image.CenterCrop;
import ai.synergy.data.image.ImageDecoder;
import ai.synergy.data.image.RgbImage;
import ai.synergy.spark.ComputeThreads;
import ai.synergy.spark.ExecutorSetup;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.TaskCompletionListener;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Executor side: scores minibatches of image bytes with a network (DL4J's or an ONNX file in ONNX Runtime), the one
 * code path of {@code predict} and of the Spark ML transformer. Each image is decoded ({@link ImageDecoder}: JPEG,
 * PNG, GIF, BMP, by content) and cropped with the evaluation transform of {@code evaluate} ({@link CenterCrop}); the
 * images that decode go through the network together; an image that does not decode, or whose bytes could not be
 * read, gets its reason instead of classes and never stops the task. A deeply supervised training graph is read by
 * its main head. The forward pass runs on one of this JVM's {@link ComputeThreads}.
 */
public final class ImageScorer {
    /** Why an image's bytes could not be read (the decoder's reasons are {@link BadImageException.Reason}). */
    public static final String UNREADABLE = "UNREADABLE";

    private final Classifier network;
    private final Scoring scoring;
    private final CenterCrop crop;

    private ImageScorer(Classifier network, Scoring scoring) {
        this.network = network;
        this.scoring = scoring;
        this.crop = new CenterCrop(scoring.imageSize(), scoring.evalCrop());
    }

    /** Scores with the DL4J network {@code graph} as {@code scoring} says. */
    public ImageScorer(ComputationGraph graph, Scoring scoring) {
        this(new Dl4jClassifier(graph, scoring.classes()), scoring);
    }

    /**
     * A scorer for the running task: sets the task up ({@link ExecutorSetup}) and takes an idle network of
     * {@code model} from this JVM's pool (or opens one), handing it back when the task completes.
     */
    public static ImageScorer forTask(Broadcast<ScoringNetwork> model, Scoring scoring) {
        ExecutorSetup.forCurrentTask();
        Classifier network = Networks.take(model);
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) context -> Networks.giveBack(model.id(), network));
        }
        return new ImageScorer(network, scoring);
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
            int scored = good;
            float[][] probabilities = ComputeThreads.get(() -> network.probabilities(features, scored, s));
            for (int r = 0; r < good; r++) {
                outcomes[rowOf[r]] = new Outcome(top(probabilities[r]), null, null);
            }
        }
        return List.of(outcomes);
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
     * The networks this JVM's scoring tasks used, idle, so that a task does not open its network again from the
     * broadcast (a DL4J ResNet-18 restore: about 0.5 s; an ONNX Runtime session: its graph optimisation). Only the
     * latest model's are kept, at most {@value #MAX_IDLE}; the ones dropped are closed.
     */
    static final class Networks {
        static final int MAX_IDLE = 8;
        private static final Deque<Classifier> IDLE = new ArrayDeque<>();
        private static long idleModel = -1;

        private Networks() {
        }

        static Classifier take(Broadcast<ScoringNetwork> model) {
            synchronized (Networks.class) {
                if (model.id() == idleModel && !IDLE.isEmpty()) {
                    return IDLE.pollFirst();
                }
            }
            return model.value().openForTask();
        }

        static synchronized void giveBack(long model, Classifier network) {
            if (model != idleModel) {
                IDLE.forEach(Classifier::close);
                IDLE.clear();
                idleModel = model;
            }
            if (IDLE.size() < MAX_IDLE) {
                IDLE.addFirst(network);
            } else {
                network.close();
            }
        }
    }
}
