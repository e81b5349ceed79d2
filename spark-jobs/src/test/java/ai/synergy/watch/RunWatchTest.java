package ai.synergy.watch;

import ai.synergy.io.HadoopFiles;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.metrics.RoundMetrics;
import ai.synergy.run.RunFolder;
import ai.synergy.tensorboard.EventFileReader;
import ai.synergy.training.EpochTimeSplit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/** RunWatch on the local file system without Spark: the event file's tags, steps and values, the gauges, flushing. */
class RunWatchTest {
    @TempDir
    java.nio.file.Path dir;

    private HadoopFiles files() {
        return HadoopFiles.of(dir.toString(), new Configuration());
    }

    @Test
    void epochsOfAPrunedDksRunBecomeScalarsAndGauges() throws Exception {
        Path run = new Path(dir.toString());
        EpochTimeSplit split = new EpochTimeSplit(10, 6, 1, 2, 1, 3, 2);
        EpochMetrics epoch2 = new EpochMetrics(2, 0.75, 0.01, 0.5, 0.875, 256, 1000, 3, 1,
                Map.of("head_main", 0.5, "head_aux1", 0.25), new EpochMetrics.Pruning("admm", 0.125, 0.0625));
        try (RunWatch watch = RunWatch.open(files(), run, true, 3, 300)) {
            assertThat(RunGauges.get(Gauge.ROUND)).isNaN();
            watch.roundDone(1, 0, 1.5, 0.02); // the run's 2nd pass, first round: round 4
            watch.roundDone(1, 2, 1.25, 0.01);
            java.nio.file.Path file = only(dir.resolve(RunFolder.TENSORBOARD));
            long beforeEpoch = Files.size(file);
            watch.epochDone(epoch2, split);
            // flushed: the epoch's events are in the file while it is still open
            assertThat(Files.size(file)).isGreaterThan(beforeEpoch);
            List<EventFileReader.Event> events = EventFileReader.events(Files.readAllBytes(file));
            assertThat(events.get(0).fileVersion()).isEqualTo("brain.Event:2");
            assertThat(events.get(1).step()).isEqualTo(4);
            assertThat(events.get(1).scalars()).containsExactly(entry("round/train_loss", 1.5f),
                    entry("round/learning_rate", 0.02f));
            assertThat(events.get(2).step()).isEqualTo(6);
            assertThat(events.get(3).step()).isEqualTo(2);
            assertThat(events.get(3).scalars()).containsOnly(entry("epoch/train_loss", 0.75f),
                    entry("epoch/learning_rate", 0.01f), entry("epoch/test_top1", 0.5f),
                    entry("epoch/test_top5", 0.875f), entry("epoch/images_per_second", 1000f),
                    entry("epoch/head_top1/head_main", 0.5f), entry("epoch/head_top1/head_aux1", 0.25f),
                    entry("pruning/stage", 1f), entry("pruning/sparsity", 0.125f),
                    entry("pruning/admm_residual", 0.0625f), entry("time_split/compute_share", 0.6f),
                    entry("time_split/data_share", 0.1f), entry("time_split/averaging_share", 0.2f),
                    entry("time_split/scheduling_share", 0.1f));
            assertThat(events).hasSize(4);
        }
        assertThat(RunGauges.get(Gauge.ROUND)).isEqualTo(6);
        assertThat(RunGauges.get(Gauge.TRAIN_LOSS)).isEqualTo(1.25);
        assertThat(RunGauges.get(Gauge.LEARNING_RATE)).isEqualTo(0.01);
        assertThat(RunGauges.get(Gauge.IMAGES_PER_SECOND)).isPositive();
        assertThat(RunGauges.get(Gauge.EPOCH)).isEqualTo(2);
        assertThat(RunGauges.get(Gauge.TEST_TOP1)).isEqualTo(0.5);
        assertThat(RunGauges.get(Gauge.TEST_TOP5)).isEqualTo(0.875);
        assertThat(RunGauges.get(Gauge.PRUNING_STAGE)).isEqualTo(1);
        assertThat(RunGauges.get(Gauge.SPARSITY)).isEqualTo(0.125);
        assertThat(RunGauges.get(Gauge.ADMM_RESIDUAL)).isEqualTo(0.0625);
        assertThat(RunGauges.get(Gauge.COMPUTE_SHARE)).isEqualTo(0.6);
        assertThat(RunGauges.get(Gauge.SCHEDULING_SHARE)).isEqualTo(0.1);
        assertThat(RunGauges.get(Gauge.QUANTIZATION_ROUND)).isNaN();
    }

    @Test
    void quantizationRoundsBecomeScalarsAndGauges() throws Exception {
        Path run = new Path(dir.toString());
        try (RunWatch watch = RunWatch.open(files(), run, true, 2, 100)) {
            watch.quantizationRoundDone(new RoundMetrics(1, 0.5, null, 0.25, null, 0.1, 0, 1), null);
            watch.roundDone(1, 1, 0.5, 0.001);
            watch.quantizationRoundDone(new RoundMetrics(2, 1.0, 0.5, 0.75, null, 0.1, 2, 1),
                    new EpochTimeSplit(2, 1, 0, 0.5, 0.5, 2, 2));
        }
        List<EventFileReader.Event> events = EventFileReader.events(Files.readAllBytes(
                only(dir.resolve(RunFolder.TENSORBOARD))));
        assertThat(events).extracting(EventFileReader.Event::step).containsExactly(0L, 1L, 4L, 2L);
        assertThat(events.get(1).scalars()).containsExactly(entry("quantize/quantized_fraction", 0.5f),
                entry("quantize/test_top1", 0.25f));
        assertThat(events.get(3).scalars()).containsExactly(entry("quantize/quantized_fraction", 1f),
                entry("quantize/test_top1", 0.75f), entry("quantize/train_loss", 0.5f),
                entry("time_split/compute_share", 0.5f), entry("time_split/data_share", 0f),
                entry("time_split/averaging_share", 0.25f), entry("time_split/scheduling_share", 0.25f));
        assertThat(RunGauges.get(Gauge.QUANTIZATION_ROUND)).isEqualTo(2);
        assertThat(RunGauges.get(Gauge.QUANTIZED_FRACTION)).isEqualTo(1);
        assertThat(RunGauges.get(Gauge.TEST_TOP1)).isEqualTo(0.75);
        assertThat(RunGauges.get(Gauge.TEST_TOP5)).isNaN();
        assertThat(RunGauges.get(Gauge.EPOCH)).isNaN();
    }

    @Test
    void aResumeAddsAFileAndAFreshStartRemovesTheOldOnes() throws Exception {
        Path run = new Path(dir.toString());
        java.nio.file.Path folder = dir.resolve(RunFolder.TENSORBOARD);
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("events.out.tfevents.1.abandoned"), "x");
        try (RunWatch first = RunWatch.open(files(), run, true, 1, 1)) {
            assertThat(first.file().getName()).startsWith("events.out.tfevents.");
        }
        try (RunWatch second = RunWatch.open(files(), run, false, 1, 1);
             RunWatch third = RunWatch.open(files(), run, false, 1, 1)) {
            assertThat(second.file()).isNotEqualTo(third.file());
        }
        try (Stream<java.nio.file.Path> listed = Files.list(folder)) {
            List<String> names = listed.map(p -> p.getFileName().toString()).sorted().toList();
            assertThat(names).hasSize(3).allMatch(n -> n.startsWith("events.out.tfevents.")
                    && !n.equals("events.out.tfevents.1.abandoned"));
        }
    }

    @Test
    void aFolderThatCannotHoldTheFileLeavesTheRunGoing() throws Exception {
        Files.writeString(dir.resolve(RunFolder.TENSORBOARD), "a file where the folder should be");
        try (RunWatch watch = RunWatch.open(files(), new Path(dir.toString()), false, 1, 1)) {
            assertThat(watch.file()).isNull();
            watch.roundDone(0, 0, 1, 0.1);
            watch.quantizationRoundDone(new RoundMetrics(1, 0.5, null, 0.25, null, 0, 0, 0), null);
        }
        assertThat(RunGauges.get(Gauge.ROUND)).isEqualTo(1);
        assertThat(RunGauges.get(Gauge.QUANTIZATION_ROUND)).isEqualTo(1);
    }

    private static java.nio.file.Path only(java.nio.file.Path folder) throws Exception {
        try (Stream<java.nio.file.Path> listed = Files.list(folder)) {
            List<java.nio.file.Path> all = listed.toList();
            assertThat(all).hasSize(1);
            return all.get(0);
        }
    }
}
