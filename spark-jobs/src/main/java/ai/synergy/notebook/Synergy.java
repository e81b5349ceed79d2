package ai.synergy.notebook;

import ai.synergy.cli.SynergyCli;
import ai.synergy.spark.SparkContexts;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The notebook facade (Zeppelin, spark-shell): runs a job on the notebook's own Spark session, exactly as
 * {@code bin/synergy <command> <options>} would, and reads its outputs as DataFrames. Notebook code stays one line per
 * step: {@code val run = Synergy.train(spark, "--epochs", "3", "--out", dir); z.show(run.metrics(spark))}.
 */
public final class Synergy {
    /** Prefix of the system properties that override notebook parameters (see {@link #param}). */
    public static final String PARAM_PREFIX = "synergy.notebook.";

    private Synergy() {
    }

    /**
     * Runs {@code synergy <command> <args>} on {@code spark}'s context (not stopped afterwards).
     *
     * @return the run folder given by {@code --out} or {@code --output}, or null if the command has none
     * @throws JobFailedException when the command exits non-zero; its message is the command's error line
     */
    public static Run run(SparkSession spark, String command, String... args) {
        List<String> commandLine = new ArrayList<>();
        commandLine.add(command);
        commandLine.addAll(Arrays.asList(args));
        StringWriter err = new StringWriter();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int exit = SparkContexts.runOn(jsc, () -> SynergyCli.execute(new PrintWriter(System.out, true),
                new PrintWriter(err, true), commandLine.toArray(String[]::new)));
        if (exit != 0) {
            throw new JobFailedException("synergy " + command + " exited with " + exit + ": " + err.toString().trim());
        }
        String out = valueOf(args, "--out");
        return new Run(out != null ? out : valueOf(args, "--output"));
    }

    /** {@code synergy train <args>}; see {@code bin/synergy train --help}. */
    public static Run train(SparkSession spark, String... args) {
        return run(spark, "train", args);
    }

    /** {@code synergy quantize <args>}. */
    public static Run quantize(SparkSession spark, String... args) {
        return run(spark, "quantize", args);
    }

    /** {@code synergy prepare <args>} (the run folder is {@code --output}). */
    public static Run prepare(SparkSession spark, String... args) {
        return run(spark, "prepare", args);
    }

    /** {@code synergy convert <args>}: Fashion-MNIST IDX files to the ILSVRC folder layout (JPEGs). */
    public static Run convert(SparkSession spark, String... args) {
        return run(spark, "convert", args);
    }

    /**
     * {@code synergy evaluate <args>}: one row with the model's top-1/top-5 (or natural and adversarial top-1 with
     * {@code --attack}).
     */
    public static Dataset<Row> evaluate(SparkSession spark, String... args) {
        java.nio.file.Path result = null;
        try {
            result = java.nio.file.Files.createTempFile("synergy-evaluate-", ".json");
            List<String> all = new ArrayList<>(Arrays.asList(args));
            all.add("--result");
            all.add(result.toUri().toString());
            run(spark, "evaluate", all.toArray(String[]::new));
            String line = java.nio.file.Files.readString(result).strip();
            return spark.read().json(spark.createDataset(List.of(line), org.apache.spark.sql.Encoders.STRING()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("evaluate: cannot read its result " + result, e);
        } finally {
            if (result != null) {
                try {
                    java.nio.file.Files.deleteIfExists(result);
                } catch (java.io.IOException ignored) {
                    // a temporary file in the driver's temp folder
                }
            }
        }
    }

    /**
     * A notebook parameter: the system property {@code synergy.notebook.<name>} when set (the notebook test sets
     * tiny sizes this way), otherwise {@code defaultValue}.
     */
    public static String param(String name, String defaultValue) {
        return System.getProperty(PARAM_PREFIX + name, defaultValue);
    }

    private static String valueOf(String[] args, String flag) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(flag)) {
                return args[i + 1];
            }
        }
        for (String a : args) {
            if (a.startsWith(flag + "=")) {
                return a.substring(flag.length() + 1);
            }
        }
        return null;
    }

    /** A command exited with a non-zero code. */
    public static final class JobFailedException extends RuntimeException {
        public JobFailedException(String message) {
            super(message);
        }
    }
}
