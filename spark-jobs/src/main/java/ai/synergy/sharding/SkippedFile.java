package ai.synergy.sharding;

import java.io.Serializable;

/**
 * An input file {@code prepare} left out, with the reason, listed in the manifest's report.
 *
 * @param file   path relative to the input root
 * @param reason EMPTY, NOT_AN_IMAGE, TRUNCATED, CORRUPT, UNREADABLE, UNKNOWN_SYNSET, NO_LABEL, NOT_IN_CLASS_FOLDER or
 *               SYMLINK
 * @param detail what exactly was wrong
 */
public record SkippedFile(String file, String reason, String detail) implements Serializable {
}
