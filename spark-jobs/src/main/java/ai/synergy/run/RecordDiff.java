package ai.synergy.run;

import ai.synergy.config.Credentials;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The settings in which two configuration records differ, named by their path ({@code optimizer.learningRate}), for
 * messages such as "--resume: the checkpoint was written with other settings". Records are compared component by
 * component, recursively; other values with {@link Objects#equals}.
 */
public final class RecordDiff {
    private RecordDiff() {
    }

    /**
     * One line per differing setting, {@code <path>: <before> in the checkpoint, <after> now}; components whose path
     * is in {@code ignored} ({@code evalBatchSize}, {@code data.shardCheck}) are skipped.
     */
    public static List<String> between(Record before, Record after, Set<String> ignored) {
        List<String> lines = new ArrayList<>();
        collect("", before, after, ignored, lines);
        return lines;
    }

    private static void collect(String prefix, Object before, Object after, Set<String> ignored, List<String> lines) {
        if (before instanceof Record b && after instanceof Record a && b.getClass() == a.getClass()) {
            for (RecordComponent component : b.getClass().getRecordComponents()) {
                if (ignored.contains(prefix + component.getName())) {
                    continue;
                }
                collect(prefix + component.getName() + ".", value(component, b), value(component, a), ignored, lines);
            }
            return;
        }
        if (before instanceof String b && after instanceof String a) {
            before = Credentials.redact(b); // checkpoints keep URIs without their passwords
            after = Credentials.redact(a);
        }
        if (!Objects.equals(before, after)) {
            lines.add(prefix.substring(0, prefix.length() - 1) + ": " + before + " in the checkpoint, " + after
                    + " now");
        }
    }

    private static Object value(RecordComponent component, Record record) {
        try {
            return component.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + component, e);
        }
    }
}
