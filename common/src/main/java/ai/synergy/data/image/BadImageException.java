package ai.synergy.data.image;

import java.util.Objects;

/** Thrown when bytes cannot be decoded to an image; {@link #reason()} says why, the message says what was seen. */
public final class BadImageException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why an image could not be decoded. */
    public enum Reason {
        /** Zero bytes. */
        EMPTY,
        /** The content is not a supported image format (JPEG, PNG, GIF, BMP). */
        NOT_AN_IMAGE,
        /** The image data ends early (no end marker, premature end of data). */
        TRUNCATED,
        /** A recognised format whose data the reader rejects. */
        CORRUPT
    }

    private final Reason reason;

    /** An exception with the given reason and message. */
    public BadImageException(Reason reason, String message) {
        this(reason, message, null);
    }

    /** An exception with the given reason, message and underlying cause (may be null). */
    public BadImageException(Reason reason, String message, Throwable cause) {
        super(Objects.requireNonNull(reason, "reason") + ": " + message, cause);
        this.reason = reason;
    }

    /** Why the image could not be decoded. */
    public Reason reason() {
        return reason;
    }
}
