package ai.synergy.sharding;

import ai.synergy.config.InvalidInputException;

/**
 * A prepared shard that is not what {@code prepare} wrote: it does not match {@code manifest.json}, or an image in it
 * does not decode. Thrown on an executor; the message names the file and what is wrong, and the command line prints
 * it as its one error line (exit code 2).
 *
 * <p>It carries no stack trace and no cause: Spark logs every failed task with its exception's full trace (the
 * executor's {@code Exception in task} and the driver's {@code Lost task} lines), which for a damaged file added ~100
 * lines of frames that say nothing the message does not. The decoder's own message is part of this one.
 */
public final class DamagedShardException extends InvalidInputException {

    /** @param message the file and what is wrong with it, on one line */
    public DamagedShardException(String message) {
        super(message);
    }

    /** No frames: see the class comment. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
