package ai.synergy.spark;

import ai.synergy.config.InvalidInputException;
import ai.synergy.sharding.DamagedShardException;

import java.util.List;

/** Driver side: turns a Spark job that failed on bad input in an executor back into the executor's clear message. */
public final class SparkErrors {
    /** Classes whose message is the whole story; Spark writes a failed task's exception as {@code <class>: <message>}. */
    private static final List<String> INVALID_INPUT = List.of(InvalidInputException.class.getName(),
            DamagedShardException.class.getName());

    private SparkErrors() {
    }

    /**
     * The {@link InvalidInputException} in the cause chain, as an {@link InvalidInputException} whose message is the
     * first line of the executor's (the command line prints it as its one error line); or, where the driver could not
     * deserialize the executor's exception (Spark then keeps only its text, in the job-abort message), one made from
     * that text; or {@code e} itself (a checked exception such as Scala's undeclared {@code SparkException} wrapped
     * unchecked).
     */
    public static RuntimeException unwrapInvalidInput(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidInputException invalid) {
                return new InvalidInputException(firstLine(invalid.getMessage()), e);
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = t.getMessage() == null ? "" : t.getMessage();
            for (String name : INVALID_INPUT) {
                int at = message.indexOf(name + ": ");
                if (at >= 0) {
                    return new InvalidInputException(firstLine(message.substring(at + name.length() + 2)), e);
                }
            }
        }
        return e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getMessage(), e);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "invalid input (no message)";
        }
        return message.lines().findFirst().orElse("").strip();
    }
}
