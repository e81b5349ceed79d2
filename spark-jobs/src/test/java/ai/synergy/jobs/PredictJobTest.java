package ai.synergy.jobs;

import ai.synergy.cli.SynergyCli;
import ai.synergy.config.InvalidSettingException;
import ai.synergy.config.Json;
import ai.synergy.data.image.CenterCrop;
import ai.synergy.data.image.ImageDecoder;
import ai.synergy.data.shard.ShardIndex;
import ai.synergy.dataset.DataSpec;
import ai.synergy.prepare.ShardManifest;
import ai.synergy.spark.SparkContexts;
import ai.synergy.testing.IlsvrcTree;
import ai.synergy.testing.LocalSparkTest;
import ai.synergy.testing.ScoringFixtures;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code synergy predict}: on the golden shards every image is scored once with the probabilities DL4J gives on the
 * same preprocessed image; on a folder with bad files every good image is scored once and every bad one listed with
 * its reason; a model that does not take the data, and an output folder it may not write, are refused.
 */
class PredictJobTest extends LocalSparkTest {
    private static final int SIZE = 16;
    private static Path run;
    private static ComputationGraph graph;
    private static DataSpec golden;

    @BeforeAll
    static void model() throws Exception {
        golden = ScoringFixtures.goldenShards(SIZE);
        run = dir.resolve("run");
        graph = ScoringFixtures.writeRun(run, golden, 7);
    }

    private static PredictJob.Builder settings(String data, String out) {
        return PredictJob.Settings.builder().model(run.resolve("model.zip").toString()).data(data)
                .out(dir.resolve(out).toString());
    }

    @Test
    void everyImageOfTheGoldenShardsIsScoredOnceAsDl4jScoresIt() throws Exception {
        ScoringFixtures.Predicted predicted = ScoringFixtures.predict(jsc, settings("imagenet:" + golden.location(),
                "golden-train").split("train").topK(2).batchSize(4).build());
        Path out = dir.resolve("golden-train");
        List<Row> rows = PredictJob.predictions(ScoringFixtures.session(jsc), out.toString())
                .collectAsList();

        ShardManifest manifest = ShardManifest.read(ai.synergy.io.HadoopFiles.of(golden.location(),
                new org.apache.hadoop.conf.Configuration()), golden.location(), "golden");
        byte[] tar = Files.readAllBytes(ScoringFixtures.GOLDEN.resolve("train-00000-of-00001.tar"));
        List<ShardIndex.Entry> entries = ShardIndex.parse(Files.readAllBytes(ScoringFixtures.GOLDEN
                .resolve("train-00000-of-00001.tar.idx")), "idx").entries();
        assertThat(rows).extracting(r -> r.<String>getAs("image"))
                .containsExactlyInAnyOrderElementsOf(entries.stream().map(ShardIndex.Entry::key).toList());
        Map<String, Row> byKey = rows.stream().collect(Collectors.toMap(r -> r.getAs("image"), r -> r));
        CenterCrop crop = new CenterCrop(SIZE, 1.0);
        for (ShardIndex.Entry e : entries) {
            Row row = byKey.get(e.key());
            assertThat(row.<Integer>getAs("label")).isEqualTo(e.label());
            assertThat(row.<String>getAs("labelName")).isEqualTo(manifest.classes().get(e.label()).name());
            // DL4J on the same image, decoded and cropped as evaluate does
            float[] pixels = new float[3 * SIZE * SIZE];
            crop.apply(ImageDecoder.decode(Arrays.copyOfRange(tar, (int) e.offset(), (int) e.offset() + e.length())),
                    false, pixels, 0);
            float[] expected = graph.outputSingle(false, Nd4j.create(pixels, new long[]{1, 3, SIZE, SIZE},
                    DataType.FLOAT)).toFloatVector();
            List<Row> top = row.getList(row.fieldIndex("top"));
            assertThat(top).hasSize(2);
            int argmax = expected[1] > expected[0] ? 1 : 0;
            assertThat(row.<Integer>getAs("prediction")).isEqualTo(argmax);
            assertThat(top.get(0).<Integer>getAs("class")).isEqualTo(argmax);
            assertThat(top.get(0).<String>getAs("name")).isEqualTo(manifest.classes().get(argmax).name());
            double sum = 0;
            for (Row c : top) {
                double p = c.getAs("probability");
                assertThat(p).isCloseTo(expected[c.<Integer>getAs("class")], within(1e-5));
                sum += p;
            }
            assertThat(sum).isCloseTo(1.0, within(1e-5));
            assertThat(top.get(0).<Double>getAs("probability")).isGreaterThanOrEqualTo(top.get(1).getAs("probability"));
        }
        assertThat(PredictJob.errors(ScoringFixtures.session(jsc), out.toString()).count())
                .isZero();
        PredictJob.Result result = Json.read(Files.readString(out.resolve(PredictJob.SUMMARY)),
                PredictJob.Result.class, "summary");
        assertThat(result).isEqualTo(predicted.result());
        assertThat(result.images()).isEqualTo(6);
        assertThat(result.scored()).isEqualTo(6);
        assertThat(result.labelled()).isEqualTo(6);
        long right = rows.stream().filter(r -> r.getAs("label").equals(r.getAs("prediction"))).count();
        assertThat(result.top1()).isCloseTo(right / 6.0, within(1e-12));
        assertThat(result.input()).isEqualTo("3x16x16, center crop 1.0");
        assertThat(result.classNames()).contains("the manifest of");
        assertThat(predicted.console()).contains("6 images in").contains("images/s").contains("6 scored, 0 not");
        try (Stream<Path> siblings = Files.list(dir)) {   // no temporary folder left
            assertThat(siblings.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
        }
    }

    @Test
    void predictsTheValidationSplitWithEvaluatesTop1() throws Exception {
        PredictJob.Result result = ScoringFixtures.predict(jsc, settings("imagenet:" + golden.location(), "golden-val")
                .build()).result();
        double evaluated = EvaluateJob.run(jsc, run.resolve("model.zip").toString(), golden, 1, 64).top1();
        assertThat(result.images()).isEqualTo(2);
        assertThat(result.top1()).isEqualTo(evaluated);
        assertThat(result.topK()).isEqualTo(1.0);   // two classes, k 5: every label is listed
        assertThat(result.k()).isEqualTo(2);
    }

    @Test
    void aFolderWithBadFilesListsEachWithItsReasonAndScoresEveryGoodImageOnce() throws Exception {
        IlsvrcTree tree = IlsvrcTree.write(dir.resolve("photos"), IlsvrcTree.Options.of(2, 2, 1, 11).withoutVal());
        Path photos = tree.root().resolve("train");
        Files.writeString(photos.resolve(".hidden.JPEG"), "skipped");
        Files.writeString(photos.resolve("_SUCCESS"), "");
        ScoringFixtures.Predicted predicted = ScoringFixtures.predict(jsc, settings("images:" + photos, "photos-out")
                .batchSize(3).workers(2).build());
        Path out = dir.resolve("photos-out");
        List<Row> rows = PredictJob.predictions(ScoringFixtures.session(jsc), out.toString())
                .collectAsList();
        List<Row> errors = PredictJob.errors(ScoringFixtures.session(jsc), out.toString())
                .collectAsList();

        String root = photos.toUri().toString().replace("file:///", "file:/");
        List<IlsvrcTree.Entry> files = tree.files();
        assertThat(rows).extracting(r -> r.<String>getAs("image")).containsExactlyInAnyOrderElementsOf(
                files.stream().filter(f -> f.width() > 0).map(f -> uri(tree, f)).toList());
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.<Integer>getAs("label")).isNull();
            assertThat(r.getList(r.fieldIndex("top"))).hasSize(2);
            assertThat(r.getList(r.fieldIndex("top")).stream().mapToDouble(c -> ((Row) c).getDouble(2)).sum())
                    .isCloseTo(1.0, within(1e-5));
            assertThat(r.<String>getAs("image")).startsWith(root);
        });
        Map<String, String> reasons = new HashMap<>();
        errors.forEach(r -> reasons.put(r.getAs("image"), r.getAs("reason")));
        Map<String, String> expected = new HashMap<>();
        files.stream().filter(f -> f.width() == 0).forEach(f -> expected.put(uri(tree, f), f.fate().reason()));
        assertThat(reasons).isEqualTo(expected).containsValues("TRUNCATED", "EMPTY", "NOT_AN_IMAGE");
        assertThat(errors).allSatisfy(r -> assertThat(r.<String>getAs("detail")).isNotBlank());
        PredictJob.Result result = predicted.result();
        assertThat(result.images()).isEqualTo(files.size());
        assertThat(result.notScored()).isEqualTo(3);
        assertThat(result.labelled()).isZero();
        assertThat(result.top1()).isNull();
        assertThat(result.classNames()).contains("manifest");   // the model's training data's names
        assertThat(rows.get(0).<Row>getList(rows.get(0).fieldIndex("top")).get(0).<String>getAs("name"))
                .startsWith("class ");
    }

    private static String uri(IlsvrcTree tree, IlsvrcTree.Entry file) {
        return tree.root().resolve(file.path()).toUri().toString().replace("file:///", "file:/");
    }

    /**
     * The ONNX file {@code export} writes scores on the executors (ONNX Runtime) as the DL4J model it came from: the
     * same images, labels and top classes, probabilities within 1e-5; its size, crop and class names come from the
     * file. A size it does not take is refused naming the file's input.
     */
    @Test
    void anOnnxExportScoresEveryImageAsTheModelItCameFrom() throws Exception {
        Path onnx = dir.resolve("exported/model.onnx");
        ExportJob.run(new ExportJob.Options(run.resolve("model.zip").toString(), "onnx", onnx.toString(), null, 0),
                new org.apache.hadoop.conf.Configuration());
        String data = "imagenet:" + golden.location();
        ScoringFixtures.predict(jsc, settings(data, "dl4j-train").split("train").topK(2).batchSize(4).build());
        ScoringFixtures.Predicted fromOnnx = ScoringFixtures.predict(jsc, settings(data, "onnx-train")
                .model(onnx.toString()).split("train").topK(2).batchSize(4).build());

        Map<String, Row> dl4j = PredictJob.predictions(ScoringFixtures.session(jsc),
                dir.resolve("dl4j-train").toString()).collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getAs("image"), r -> r));
        List<Row> rows = PredictJob.predictions(ScoringFixtures.session(jsc), dir.resolve("onnx-train").toString())
                .collectAsList();
        assertThat(rows).extracting(r -> r.<String>getAs("image"))
                .containsExactlyInAnyOrderElementsOf(dl4j.keySet());
        for (Row row : rows) {
            Row expected = dl4j.get(row.<String>getAs("image"));
            assertThat(row.<Integer>getAs("label")).isEqualTo(expected.getAs("label"));
            assertThat(row.<Integer>getAs("prediction")).isEqualTo(expected.getAs("prediction"));
            List<Row> top = row.getList(row.fieldIndex("top"));
            List<Row> expectedTop = expected.getList(expected.fieldIndex("top"));
            for (int i = 0; i < top.size(); i++) {
                assertThat(top.get(i).<Integer>getAs("class")).isEqualTo(expectedTop.get(i).getAs("class"));
                assertThat(top.get(i).<String>getAs("name")).isEqualTo(expectedTop.get(i).getAs("name"));
                assertThat(top.get(i).<Double>getAs("probability"))
                        .isCloseTo(expectedTop.get(i).getAs("probability"), within(1e-5));
            }
        }
        PredictJob.Result result = fromOnnx.result();
        assertThat(result.scored()).isEqualTo(6);
        assertThat(result.model()).contains("ONNX file " + onnx).contains("exported from " + run.resolve("model.zip"));
        assertThat(result.input()).isEqualTo("3x16x16, center crop 1.0");   // the file's input and eval_crop

        // a folder of images: the class names are the ones the file carries
        IlsvrcTree tree = IlsvrcTree.write(dir.resolve("onnx-photos"), IlsvrcTree.Options.of(2, 2, 1, 5).withoutVal());
        PredictJob.Result photos = ScoringFixtures.predict(jsc, settings("images:" + tree.root().resolve("train"),
                "onnx-photos-out").model(onnx.toString()).build()).result();
        assertThat(photos.scored()).isEqualTo(tree.files().stream().filter(f -> f.width() > 0).count()).isPositive();
        assertThat(photos.classNames()).isEqualTo("the metadata of " + onnx);

        Cli size = cli("predict", "--model", onnx.toString(), "--data", data, "--image-size", "32", "--out",
                dir.resolve("never-onnx").toString());
        assertThat(size.code).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(size.err).contains("--model " + onnx + " takes 3x16x16 images (its ONNX input; data imagenet:")
                .contains("but --image-size is 32 (3x32x32)");
        assertThat(dir.resolve("never-onnx")).doesNotExist();
    }

    @Test
    void aModelThatDoesNotTakeTheDataIsRefusedNamingBoth() throws Exception {
        Path grey = dir.resolve("grey-run");
        ScoringFixtures.writeRun(grey, DataSpec.fashionMnist(null, 0, 0), 3);
        Cli channels = cli("predict", "--model", grey.resolve("model.zip").toString(), "--data",
                "imagenet:" + golden.location(), "--out", dir.resolve("never-1").toString());
        assertThat(channels.code).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(channels.err).contains("--model " + grey.resolve("model.zip") + " takes 1x28x28 images "
                + "(model.json: data fashion-mnist) but --data imagenet:").contains("gives 3-channel RGB images (3x28x28)");

        Cli size = cli("predict", "--model", run.toString(), "--data", "imagenet:" + golden.location(),
                "--image-size", "32", "--out", dir.resolve("never-2").toString());
        assertThat(size.code).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(size.err).contains("takes 3x16x16 images (model.json: data imagenet:")
                .contains("but --image-size is 32 (3x32x32)");

        Path onnx = dir.resolve("not-a-model.onnx");
        Files.write(onnx, new byte[]{8, 8});
        Cli exported = cli("predict", "--model", onnx.toString(), "--data", "images:" + dir, "--out",
                dir.resolve("never-3").toString());
        assertThat(exported.code).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(exported.err).contains("--model " + onnx + ": ONNX Runtime cannot load it");

        Cli k = cli("predict", "--model", run.toString(), "--data", "images:" + dir, "--out",
                dir.resolve("never-4").toString(), "--top-k", "0");
        assertThat(k.err.strip()).isEqualTo("synergy: error: --top-k must be >= 1, got 0");
        assertThatThrownBy(() -> PredictJob.Settings.builder().model("m").data("fashion-mnist").out("o").build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("data: unknown data 'fashion-mnist'; accepted: images:<folder URI>, imagenet:<folder URI>");
        for (int i = 1; i <= 4; i++) {
            assertThat(dir.resolve("never-" + i)).doesNotExist();
        }
    }

    @Test
    void anOutputIsReplacedOnlyWhenAskedAndAFolderOfAnotherKindNever() throws Exception {
        String data = "imagenet:" + golden.location();
        Path out = dir.resolve("twice");
        Cli first = cli("predict", "--model", run.toString(), "--data", data, "--out", out.toString());
        assertThat(first.code).as(first.err).isZero();
        byte[] summary = Files.readAllBytes(out.resolve(PredictJob.SUMMARY));

        Cli again = cli("predict", "--model", run.toString(), "--data", data, "--out", out.toString());
        assertThat(again.code).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(again.err).contains("--out: " + out + " holds a finished predict output; pass --overwrite");
        assertThat(Files.readAllBytes(out.resolve(PredictJob.SUMMARY))).isEqualTo(summary);

        Cli overwrite = cli("predict", "--model", run.toString(), "--data", data, "--out", out.toString(),
                "--overwrite", "--top-k", "1");
        assertThat(overwrite.code).as(overwrite.err).isZero();
        assertThat(Json.read(Files.readString(out.resolve(PredictJob.SUMMARY)), PredictJob.Result.class, "s").k())
                .isEqualTo(1);

        Files.createDirectories(dir.resolve("foreign"));
        Files.writeString(dir.resolve("foreign/notes.txt"), "mine");
        Cli foreign = cli("predict", "--model", run.toString(), "--data", data, "--out",
                dir.resolve("foreign").toString(), "--overwrite");
        assertThat(foreign.code).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(foreign.err).contains("already holds files that are not a predict output (notes.txt)");
        Files.writeString(dir.resolve("a-file"), "x");
        Cli file = cli("predict", "--model", run.toString(), "--data", data, "--out",
                dir.resolve("a-file").toString());
        assertThat(file.err).contains("is a file, not a folder");
        try (Stream<Path> siblings = Files.list(dir)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
        }
    }

    private record Cli(int code, String err) {
    }

    private static Cli cli(String... args) {
        StringWriter err = new StringWriter();
        int code = SparkContexts.runOn(jsc, () -> SynergyCli.execute(new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true), args));
        return new Cli(code, err.toString());
    }
}
