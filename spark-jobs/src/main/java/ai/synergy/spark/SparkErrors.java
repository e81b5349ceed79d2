package ai.synergy.spark;

import ai.synergy.config.InvalidInputException;

/** Driver side: turns a Spark job that failed on bad input in an executor back into the executor's clear message. */
public final class SparkErrors {
    private SparkErrors() {
    }

    /**
     * The {@link InvalidInputException} in the cause chain (with its own message), or {@code e} itself (a checked
     * exception such as Scala's undeclared {@code SparkException} wrapped unchecked).
     */
    public static RuntimeException unwrapInvalidInput(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidInputException invalid) {
                return new InvalidInputException(invalid.getMessage(), e);
            }
        }
        return e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getMessage(), e);
    }
}
