package ai.synergy.spark;

import ai.synergy.config.InvalidInputException;

/** Driver side: turns a Spark job that failed on bad input in an executor back into the executor's clear message. */
public final class SparkErrors {
    private SparkErrors() {
    }

    /** The {@link InvalidInputException} in the cause chain (with its own message), or {@code e} unchanged. */
    public static RuntimeException unwrapInvalidInput(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidInputException invalid) {
                return new InvalidInputException(invalid.getMessage(), e);
            }
        }
        return e;
    }
}
