package ai.synergy.jobs;

import ai.synergy.config.Json;
import ai.synergy.dataset.DataSpec;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.metrics.MetricsLog;
import ai.synergy.metrics.RoundMetrics;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.run.RunFolder;
import ai.synergy.tensorboard.EventFileReader;
import ai.synergy.testing.IdxFixtures;
import ai.synergy.testing.LocalSparkTest;
import ai.synergy.training.QuantizationMethod;
import ai.synergy.training.QuantizeConfig;
import ai.synergy.training.TrainConfig;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A train run stopped after its first epoch and resumed, then a quantize run of its model, in local[2]: each start
 * leaves its own TensorBoard event file, whose tags, steps and values are the run's own figures (metrics.jsonl,
 * rounds.jsonl).
 */
class WatchedRunTest extends LocalSparkTest {
    /** 512 training images on 2 workers in minibatches of 32, averaging every 3: 8 minibatches, 3 rounds a pass. */
    static final int ROUNDS = 3;

    @Test
    void trainAndQuantizeRunsWriteTheirFiguresAsTensorBoardScalars() throws Exception {
        DataSpec data = IdxFixtures.dataSpec(dir.resolve("data"), 512, 128, 17);
        TrainConfig train = TrainConfig.builder().data(data).model("resnet8").learningRate(0.05).weightDecay(5e-4)
                .schedule(LearningRateSchedule.Type.COSINE).epochs(2).workers(2).batchSizePerWorker(32)
                .averagingFrequency(3).evalBatchSize(128).seed(5).keepCheckpoints(1).build();
        Path out = dir.resolve("trained");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        new TrainJob(jsc, train, new TrainJob.RunOptions(out.toString(), false, 1), quiet).run();
        new TrainJob(jsc, train, new TrainJob.RunOptions(out.toString(), true, 0), quiet).run();

        List<EpochMetrics> epochs;
        try (InputStream in = Files.newInputStream(out.resolve(RunFolder.METRICS))) {
            epochs = MetricsLog.readAll(in);
        }
        List<Path> files = eventFiles(out);
        assertThat(files).hasSize(2); // the first start and the resume
        for (int start = 0; start < 2; start++) {
            List<EventFileReader.Event> events = EventFileReader.events(Files.readAllBytes(files.get(start)));
            assertThat(events.get(0).fileVersion()).isEqualTo("brain.Event:2");
            // the epoch's averaging rounds, numbered over the whole run, then the epoch
            List<Long> steps = events.stream().skip(1).map(EventFileReader.Event::step).toList();
            List<Long> expected = new ArrayList<>();
            for (int round = 1; round <= ROUNDS; round++) {
                expected.add((long) start * ROUNDS + round);
            }
            expected.add(start + 1L);
            assertThat(steps).isEqualTo(expected);
            EpochMetrics m = epochs.get(start);
            Map<String, Float> epoch = events.get(ROUNDS + 1).scalars();
            assertThat(epoch).containsEntry("epoch/train_loss", (float) m.trainLoss())
                    .containsEntry("epoch/learning_rate", (float) m.learningRate())
                    .containsEntry("epoch/test_top1", (float) m.testTop1())
                    .containsEntry("epoch/test_top5", m.testTop5().floatValue())
                    .containsEntry("epoch/images_per_second", (float) m.imagesPerSecond())
                    .containsKeys("time_split/compute_share", "time_split/data_share", "time_split/averaging_share",
                            "time_split/scheduling_share");
            // the epoch's loss is the mean of its rounds' losses, its rate the last round's
            double meanRoundLoss = events.subList(1, ROUNDS + 1).stream()
                    .mapToDouble(e -> e.scalars().get("round/train_loss")).average().orElseThrow();
            assertThat(meanRoundLoss).isCloseTo(m.trainLoss(), Offset.offset(1e-5 * m.trainLoss()));
            assertThat(events.get(ROUNDS).scalars().get("round/learning_rate")).isEqualTo((float) m.learningRate());
        }

        QuantizeConfig quantize = QuantizeConfig.builder().data(data).model(out.resolve(RunFolder.MODEL).toString())
                .method(QuantizationMethod.INQ).bits(5).portions(List.of(0.5, 1.0)).epochsPerRound(1)
                .learningRate(0.01).workers(2).batchSizePerWorker(32).averagingFrequency(3).evalBatchSize(128)
                .seed(5).build();
        Path quantized = dir.resolve("quantized");
        new QuantizeJob(jsc, quantize, new QuantizeJob.RunOptions(quantized.toString(), false, 0), quiet).run();
        List<RoundMetrics> rounds = Files.readAllLines(quantized.resolve(RunFolder.ROUNDS)).stream()
                .map(line -> Json.read(line, RoundMetrics.class, RunFolder.ROUNDS)).toList();
        List<EventFileReader.Event> events = EventFileReader.events(Files.readAllBytes(
                eventFiles(quantized).get(0)));
        // round 1 retrains one epoch (3 averaging rounds); round 2 quantizes the rest and retrains nothing
        assertThat(events).extracting(EventFileReader.Event::step).containsExactly(0L, 1L, 2L, 3L, 1L, 2L);
        assertThat(events.get(4).scalars()).containsEntry("quantize/quantized_fraction",
                        (float) rounds.get(0).frozenFraction())
                .containsEntry("quantize/test_top1", (float) rounds.get(0).testTop1())
                .containsEntry("quantize/train_loss", rounds.get(0).trainLoss().floatValue());
        assertThat(events.get(5).scalars()).containsEntry("quantize/quantized_fraction", 1f)
                .containsEntry("quantize/test_top1", (float) rounds.get(1).testTop1())
                .doesNotContainKey("quantize/train_loss");
    }

    private static List<Path> eventFiles(Path run) throws Exception {
        try (Stream<Path> listed = Files.list(run.resolve(RunFolder.TENSORBOARD))) {
            return listed.sorted().toList();
        }
    }
}
