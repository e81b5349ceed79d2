package ai.synergy.config;

/**
 * Bad user input (a flag, a file, a checkpoint): the message names the flag or file and says what is wrong.
 * The command line prints it as one line and exits non-zero. Passwords in URIs are redacted from the message
 * ({@link Credentials}).
 */
public class InvalidInputException extends RuntimeException {
    public InvalidInputException(String message) {
        super(Credentials.redact(message));
    }

    public InvalidInputException(String message, Throwable cause) {
        super(Credentials.redact(message), cause);
    }
}
