package ai.synergy.tensorboard;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EventFileWriterTest {
    @Test
    void writesFileVersionThenScalarEvents() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Clock clock = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_250L), ZoneOffset.UTC);
        try (EventFileWriter writer = new EventFileWriter(out, clock)) {
            Map<String, Double> round = new LinkedHashMap<>();
            round.put("round/train_loss", 2.25);
            round.put("round/learning_rate", 0.1);
            writer.scalars(7, round);
            writer.scalars(8, Map.of()); // nothing
            writer.scalars(0, Map.of("epoch/test_top1", 0.5));
            writer.scalars(3_000_000_000L, Map.of("big", -1.5));
        }
        List<EventFileReader.Event> events = EventFileReader.events(out.toByteArray());
        assertThat(events).hasSize(4);
        assertThat(events.get(0).fileVersion()).isEqualTo("brain.Event:2");
        assertThat(events.get(0).scalars()).isEmpty();
        assertThat(events).allSatisfy(e -> assertThat(e.wallTime()).isEqualTo(1_700_000_000.25));
        assertThat(events.get(1).step()).isEqualTo(7);
        assertThat(events.get(1).fileVersion()).isNull();
        assertThat(events.get(1).scalars()).containsExactly(Map.entry("round/train_loss", 2.25f),
                Map.entry("round/learning_rate", 0.1f));
        assertThat(events.get(2).step()).isZero();
        assertThat(events.get(2).scalars()).containsExactly(Map.entry("epoch/test_top1", 0.5f));
        assertThat(events.get(3).step()).isEqualTo(3_000_000_000L);
        assertThat(events.get(3).scalars()).containsExactly(Map.entry("big", -1.5f));
    }

    @Test
    void namesFilesAsTensorBoard() {
        assertThat(EventFileWriter.fileName(1_700_000_000L, "node-1.example"))
                .isEqualTo("events.out.tfevents.1700000000.node-1.example");
    }
}
