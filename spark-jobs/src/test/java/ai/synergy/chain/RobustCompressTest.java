package ai.synergy.chain;

import ai.synergy.adversarial.Pgd;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import ai.synergy.dataset.DataSpec;
import ai.synergy.jobs.QuantizeJob;
import ai.synergy.pruning.PrunableLayers;
import ai.synergy.run.RunFolder;
import ai.synergy.testing.LocalSparkTest;
import ai.synergy.training.AdversarialTraining;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code robust-compress} end to end on 2 Spark workers and a small real Fashion-MNIST subset, one epoch per stage:
 * stopped after stage (b) and with stage (c)'s job interrupted after its first round, resumed without redoing (a),
 * (b) or (c)'s first round, every stage in the table with the pruned stages' zeros and INQ's powers of two.
 */
class RobustCompressTest extends LocalSparkTest {
    static final double RATIO = 0.75; // every resnet8 conv and dense layer has a multiple of 4 weights: exact
    static DataSpec data;

    @BeforeAll
    static void data() {
        // real Fashion-MNIST (installed by .ci/run), as RobustEvaluationTest
        data = DataSpec.fashionMnist(null, 512, 128);
    }

    static ChainConfig config(double ratio) {
        return ChainConfig.builder().data(data).model("resnet8").dksEpochs(1).learningRate(0.05).admmEpochs(1)
                .retrainEpochs(1).ratio(ratio).bits(List.of(5, 4)).epochsPerRound(1)
                .adversarial(new AdversarialTraining(new Pgd(0.1, 0.05, 2, true), 0.5)).evalPgdSteps(5)
                .apgdBudget(5).workers(2).batchSizePerWorker(32).averagingFrequency(4).evalBatchSize(128).seed(5)
                .build();
    }

    static RobustCompressJob.Result run(ChainConfig config, Path out, boolean resume, int stopAfter) throws Exception {
        return new RobustCompressJob(jsc, config, new RobustCompressJob.RunOptions(out.toString(), resume, stopAfter),
                new PrintStream(new ByteArrayOutputStream())).run();
    }

    static ChainState stages(Path out) throws Exception {
        return Json.read(Files.readString(out.resolve(RobustCompressJob.STAGES)), ChainState.class, "stages.json");
    }

    @Test
    void theChainStopsAfterStageBResumesWithoutRedoingItAndReportsEveryStage() throws Exception {
        ChainConfig config = config(RATIO);
        Path out = dir.resolve("chain");

        RobustCompressJob.Result first = run(config, out, false, 2);
        assertThat(first.finished()).isFalse();
        assertThat(first.stages()).extracting(StageResult::stage).containsExactly("a-dks", "b-prune");
        assertThat(out.resolve("c-inq5")).doesNotExist();
        assertThat(Files.readString(out.resolve(RunFolder.REPORT))).contains("Not finished: 2 of 4 stages done");
        ChainState afterB = stages(out);
        Map<String, FileTime> modelTimes = Map.of(
                "a-dks", Files.getLastModifiedTime(out.resolve("a-dks").resolve(RunFolder.MODEL)),
                "b-prune", Files.getLastModifiedTime(out.resolve("b-prune").resolve(RunFolder.MODEL)));

        // a new run into the folder, or a resume with other settings, is refused and changes nothing
        assertThatThrownBy(() -> run(config, out, false, 0)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("holds a robust-compress run; pass --resume");
        assertThatThrownBy(() -> run(config(0.5), out, true, 0)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("other settings").hasMessageContaining("ratio");
        assertThat(stages(out)).isEqualTo(afterB);

        // stage (c)'s job interrupted after its first round (as a kill after that checkpoint would leave it): the
        // chain continues that job from its checkpoint instead of starting the stage over
        String pruned = out.resolve("b-prune").resolve(RunFolder.MODEL).toString();
        QuantizeJob.Result partial = new QuantizeJob(jsc, config.inqConfig(5, pruned), new QuantizeJob.RunOptions(
                out.resolve("c-inq5").toString(), false, 1), new PrintStream(new ByteArrayOutputStream())).run();
        assertThat(partial.finished()).isFalse();
        String round1 = Files.readString(out.resolve("c-inq5").resolve(RunFolder.ROUNDS)).lines().findFirst()
                .orElseThrow();

        RobustCompressJob.Result resumed = run(config, out, true, 0);
        assertThat(Files.readString(out.resolve("c-inq5").resolve(RunFolder.ROUNDS)).lines().toList())
                .hasSize(4).first().isEqualTo(round1); // its timings would differ had round 1 run again
        assertThat(resumed.finished()).isTrue();
        ChainState end = stages(out);
        assertThat(end.finishedAt()).isNotNull();
        assertThat(end.stages()).extracting(StageResult::stage).containsExactly("a-dks", "b-prune", "c-inq5",
                "d-inq4");
        // (a) and (b) were neither retrained nor re-evaluated: same records, same finish times, same model files
        assertThat(end.stages().subList(0, 2)).isEqualTo(afterB.stages());
        for (String stage : List.of("a-dks", "b-prune")) {
            assertThat(RunFolder.readMarker(ai.synergy.io.HadoopFiles.of(out.toString(), jsc.hadoopConfiguration()),
                    new org.apache.hadoop.fs.Path(out.resolve(stage).toUri())).orElseThrow().finishedAt())
                    .isEqualTo(end.result(stage).orElseThrow().finishedAt());
            assertThat(Files.getLastModifiedTime(out.resolve(stage).resolve(RunFolder.MODEL)))
                    .isEqualTo(modelTimes.get(stage));
        }

        StageResult dks = end.result("a-dks").orElseThrow();
        assertThat(dks.sparsity()).isLessThan(0.01);
        assertThat(dks.examples()).isEqualTo(128);
        // the lean export: the plain network, no auxiliary heads
        assertThat(dks.totalParameters()).isEqualTo(load(out, "b-prune").numParams());
        for (StageResult r : end.stages().subList(1, 4)) {
            assertThat(r.sparsity()).as(r.stage()).isGreaterThanOrEqualTo(RATIO);
            assertThat(r.nonzeroParameters()).as(r.stage()).isLessThan(dks.nonzeroParameters() / 3);
        }
        // the pruned stage's compact size is its sparse float32 encoding: 4 bytes per nonzero parameter plus at most
        // a bitmap per pruned layer; it is far below the dense model's 4 bytes per parameter
        StageResult prunedStage = end.result("b-prune").orElseThrow();
        int prunedLayers = PrunableLayers.weights(load(out, "b-prune")).size();
        assertThat(prunedStage.sparseBytes()).isBetween(4 * prunedStage.nonzeroParameters(),
                4 * prunedStage.nonzeroParameters() + prunedStage.totalParameters() / 8 + prunedLayers);
        assertThat(prunedStage.compactBytes()).isEqualTo(Math.min(prunedStage.sparseBytes(), prunedStage.exportBytes()))
                .isLessThan(4 * dks.totalParameters() / 3);
        // INQ: every nonzero weight is +-2^k, and the compact export is far smaller than the pruned model's zip
        for (String stage : List.of("c-inq5", "d-inq4")) {
            for (Map.Entry<String, INDArray> e : PrunableLayers.weights(load(out, stage)).entrySet()) {
                for (float w : e.getValue().dup('c').data().asFloat()) {
                    if (w != 0) { // a power of two has no mantissa bits
                        assertThat(Float.floatToRawIntBits(w) & 0x7FFFFF).as(stage + " " + e.getKey() + " " + w)
                                .isZero();
                    }
                }
            }
            StageResult r = end.result(stage).orElseThrow();
            assertThat(r.exportFile()).isEqualTo(RunFolder.COMPACT_MODEL);
            assertThat(r.compactBytes()).isEqualTo(r.exportBytes());
            assertThat(r.exportBytes()).isLessThan(end.result("b-prune").orElseThrow().exportBytes() / 2);
        }
        assertThat(Files.readString(out.resolve("d-inq4").resolve(RunFolder.MODEL_PROVENANCE)))
                .contains("\"bits\" : 4", "\"eps\" : 0.1");

        String report = Files.readString(out.resolve(RunFolder.REPORT));
        assertThat(report).contains("Finished: all 4 stages", "(a) DKS, lean export", "(b) PGD + ADMM pruning",
                "(c) INQ 5-bit", "(d) INQ 4-bit", "| stage | natural % | PGD-5 % | APGD-CE % | nonzero params |");
        assertThat(report.lines().filter(l -> l.startsWith("| ("))).hasSize(4);
        assertThat(Files.size(out.resolve(ChainReport.CHART))).isGreaterThan(1000);
        // report.html: the same report, the chart embedded, no reloading once finished
        assertThat(Files.readString(out.resolve(RunFolder.REPORT_HTML))).contains("<td>(d) INQ 4-bit</td>",
                "src=\"data:image/png;base64,").doesNotContain("http-equiv=\"refresh\"");
        assertThatThrownBy(() -> run(config, out, false, 0)).hasMessageContaining("holds a robust-compress run");
        // resuming the finished chain does nothing
        assertThat(run(config, out, true, 0).finished()).isTrue();
        assertThat(stages(out)).isEqualTo(end);
        System.out.println(report);
    }

    static ComputationGraph load(Path out, String stage) throws Exception {
        return ModelSerializer.restoreComputationGraph(out.resolve(stage).resolve(RunFolder.MODEL).toFile());
    }
}
