package ai.synergy.prediction;

import ai.synergy.evaluation.ModelSnapshot;
import org.apache.spark.TaskContext;

import java.io.Serializable;

/**
 * Both sides: the network the driver broadcasts to the scoring tasks, as plain data, and how an executor opens it:
 * a DL4J network ({@link Dl4j}: configuration and parameters) or an ONNX file ({@link Onnx}: its bytes, run by ONNX
 * Runtime). Opening one is what a task does when {@link ImageScorer}'s pool has no idle network of it.
 */
public sealed interface ScoringNetwork extends Serializable {
    /** ONNX Runtime's Maven coordinates, for the message that asks for it. */
    String ONNX_RUNTIME = "com.microsoft.onnxruntime:onnxruntime:1.20.0";

    /** A new network that scores with these parameters, using {@code threads} native threads where it can. */
    Classifier open(int threads);

    /** The number of classes the network outputs. */
    int classes();

    /** A network that scores with {@code threads} as many as the running task has cores (all of them outside a task). */
    default Classifier openForTask() {
        TaskContext task = TaskContext.get();
        return open(task != null ? task.cpus() : Runtime.getRuntime().availableProcessors());
    }

    /**
     * A DL4J network.
     *
     * @param snapshot its configuration and parameters
     * @param classes  its classes (a deeply supervised graph outputs several heads of this many)
     */
    record Dl4j(ModelSnapshot snapshot, int classes) implements ScoringNetwork {
        @Override
        public Classifier open(int threads) {
            return new Dl4jClassifier(snapshot.restore(), classes);
        }
    }

    /**
     * An ONNX model, as {@code synergy export} writes it.
     *
     * @param name    the file it was read from, for messages
     * @param model   the serialized {@code ModelProto}
     * @param classes its classes
     */
    record Onnx(String name, byte[] model, int classes) implements ScoringNetwork {
        @Override
        public Classifier open(int threads) {
            requireOnnxRuntime(name);
            return OnnxClassifier.open(name, model, threads);   // the first reference to ONNX Runtime's classes
        }
    }

    /**
     * Refuses, naming {@code model} and how to add the runtime, when ONNX Runtime is not on this JVM's classpath
     * (the application jar does not carry it).
     */
    static void requireOnnxRuntime(String model) {
        try {
            Class.forName("ai.onnxruntime.OrtEnvironment", false, ScoringNetwork.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException(model + " is an ONNX file and ONNX Runtime is not on the classpath of "
                    + "this JVM: spark-submit --packages " + ONNX_RUNTIME + " (or --jars onnxruntime-1.20.0.jar, "
                    + "which the driver and the executors both need); docs/deploy.md");
        }
    }
}
