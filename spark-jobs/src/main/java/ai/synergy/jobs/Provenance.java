package ai.synergy.jobs;

import java.time.Instant;

/**
 * Driver side: what every checkpoint, final model and prepared data set records about how it was made, besides its
 * settings.
 *
 * @param dataFingerprint identity of the training and test data
 * @param gitRevision     source revision of the code ({@link #sourceRevision()})
 * @param createdAt       ISO-8601 time of writing
 */
record Provenance(String dataFingerprint, String gitRevision, String createdAt) {

    /** The provenance of something written now from data with {@code dataFingerprint}. */
    static Provenance now(String dataFingerprint) {
        return new Provenance(dataFingerprint, sourceRevision(), Instant.now().toString());
    }

    /** The source revision, passed by bin/synergy as {@code -Dsynergy.git.revision}; "unknown" without it. */
    static String sourceRevision() {
        return System.getProperty("synergy.git.revision", "unknown");
    }
}
