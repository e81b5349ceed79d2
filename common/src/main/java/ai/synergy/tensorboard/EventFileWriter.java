package ai.synergy.tensorboard;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.util.Map;

/**
 * Writes a TensorBoard event file onto a stream: the {@code file_version} event first, then one event per
 * {@link #scalars} call. Not thread-safe; the caller flushes when a live TensorBoard should see what was written.
 */
public final class EventFileWriter implements Closeable {
    /** The part of a file name TensorBoard looks for. */
    public static final String NAME_PREFIX = "events.out.tfevents.";

    private final OutputStream out;
    private final Clock clock;

    /** Starts a file on {@code out} (which the writer closes). */
    public EventFileWriter(OutputStream out, Clock clock) throws IOException {
        this.out = out;
        this.clock = clock;
        TfRecords.write(out, Events.fileVersion(wallTime()));
    }

    /** TensorBoard's file name: {@code events.out.tfevents.<seconds since 1970>.<host>}. */
    public static String fileName(long epochSeconds, String host) {
        return NAME_PREFIX + epochSeconds + "." + host;
    }

    /** Writes one event with a scalar per tag at {@code step}; nothing when {@code values} is empty. */
    public void scalars(long step, Map<String, Double> values) throws IOException {
        if (!values.isEmpty()) {
            TfRecords.write(out, Events.scalars(wallTime(), step, values));
        }
    }

    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private double wallTime() {
        return clock.millis() / 1000.0;
    }
}
