package ai.synergy.ml;

import ai.synergy.config.InvalidInputException;
import ai.synergy.dataset.DataSpec;
import ai.synergy.jobs.ExportJob;
import ai.synergy.jobs.PredictJob;
import ai.synergy.prediction.PredictionRows;
import ai.synergy.testing.IlsvrcTree;
import ai.synergy.testing.LocalSparkTest;
import ai.synergy.testing.ScoringFixtures;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The Spark ML transformer: on a {@code binaryFile} DataFrame of a folder with bad files it gives what
 * {@code predict} gives on the same folder (every row kept, the same classes and probabilities, the same reasons);
 * its params, schema and refusals.
 */
class SynergyClassifierModelTest extends LocalSparkTest {
    private static Path run;
    private static Path photos;
    private static SparkSession spark;

    @BeforeAll
    static void modelAndPhotos() throws Exception {
        run = dir.resolve("run");
        ScoringFixtures.writeRun(run, ScoringFixtures.goldenShards(16), 5);
        photos = IlsvrcTree.write(dir.resolve("tree"), IlsvrcTree.Options.of(2, 3, 1, 3).withoutVal()).root()
                .resolve("train");
        spark = ScoringFixtures.session(jsc);
    }

    @Test
    void transformingABinaryFileDataFrameEqualsPredictOnTheSameImages() throws Exception {
        Path out = dir.resolve("predicted");
        ScoringFixtures.predict(jsc, PredictJob.Settings.builder().model(run.toString()).data("images:" + photos)
                .out(out.toString()).topK(2).build());
        Map<String, Row> predicted = PredictJob.predictions(spark, out.toString()).collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getAs("image"), r -> r));
        Map<String, String> reasons = PredictJob.errors(spark, out.toString()).collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getAs("image"), r -> r.getAs("reason")));

        SynergyClassifierModel model = SynergyClassifierModel.load(spark, run.resolve("model.zip").toString())
                .setTopK(2).setBatchSize(4);
        Dataset<Row> files = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                .load(photos.toString());
        List<Row> scored = model.transform(files).collectAsList();

        // every file once; Spark's file sources skip zero-byte files, which predict lists as EMPTY
        assertThat(scored).extracting(r -> r.<String>getAs("path")).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(Stream.concat(predicted.keySet().stream(),
                        reasons.entrySet().stream().filter(e -> !e.getValue().equals("EMPTY")).map(Map.Entry::getKey))
                        .toList());
        for (Row row : scored) {
            String path = row.getAs("path");
            if (reasons.containsKey(path)) {
                assertThat(row.<String>getAs("error")).startsWith(reasons.get(path) + ": ");
                assertThat(row.<Object>getAs("top")).isNull();
                assertThat(row.<Object>getAs("prediction")).isNull();
                continue;
            }
            Row expected = predicted.get(path);
            assertThat(row.<String>getAs("error")).isNull();
            assertThat(row.<Integer>getAs("prediction")).isEqualTo(expected.<Integer>getAs("prediction"));
            List<Row> top = row.getList(row.fieldIndex("top"));
            List<Row> expectedTop = expected.getList(expected.fieldIndex("top"));
            assertThat(top).hasSameSizeAs(expectedTop);
            for (int i = 0; i < top.size(); i++) {
                assertThat(top.get(i).<Integer>getAs("class")).isEqualTo(expectedTop.get(i).<Integer>getAs("class"));
                assertThat(top.get(i).<String>getAs("name")).isEqualTo(expectedTop.get(i).<String>getAs("name"));
                assertThat(top.get(i).<Double>getAs("probability"))
                        .isCloseTo(expectedTop.get(i).getAs("probability"), within(1e-6));
            }
            // the input columns are kept
            assertThat(row.<byte[]>getAs("content")).isEqualTo(Files.readAllBytes(Path.of(
                    URI.create(path.replace("file:/", "file:///")))));
        }
        assertThat(reasons.values()).containsExactlyInAnyOrder("TRUNCATED", "EMPTY", "NOT_AN_IMAGE");
    }

    @Test
    void paramsDefaultToTheModelsProvenanceAndTheSchemaGainsThreeColumns() {
        SynergyClassifierModel model = SynergyClassifierModel.load(spark, run.toString());
        assertThat(model.getInputCol()).isEqualTo("content");
        assertThat(model.getImageSize()).isEqualTo(16);
        assertThat(model.getEvalCrop()).isEqualTo(1.0);
        assertThat(model.getTopK()).isEqualTo(PredictJob.Settings.DEFAULT_TOP_K);
        assertThat(model.getClassNames()).containsExactly("class zero, zero", "class one, one");
        assertThat(model.numClasses()).isEqualTo(2);
        assertThat(model.params()).extracting(p -> p.name()).contains("inputCol", "outputCol", "predictionCol",
                "errorCol", "topK", "batchSize", "imageSize", "evalCrop", "classNames");

        StructType in = new StructType().add("path", DataTypes.StringType).add("bytes", DataTypes.BinaryType);
        SynergyClassifierModel copy = model.copy(new ParamMap()).setInputCol("bytes")
                .setOutputCol("classes");
        assertThat(copy.transformSchema(in).fieldNames()).containsExactly("path", "bytes", "classes", "prediction",
                "error");
        assertThat(copy.transformSchema(in).apply("classes").dataType()).isEqualTo(PredictionRows.TOP_TYPE);
        assertThat(model.getInputCol()).isEqualTo("content");   // the copy's params are its own

        assertThatThrownBy(() -> model.transformSchema(in)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("no column 'content'");
        assertThatThrownBy(() -> copy.setInputCol("path").transformSchema(in))
                .hasMessageContaining("column 'path' is string, not binary");
        Dataset<Row> files = spark.read().format("binaryFile").load(photos.toString());
        assertThatThrownBy(() -> model.copy(new ParamMap())
                .setClassNames(new String[]{"one"}).transform(files))
                .hasMessage("classNames: 1 names but the model has 2 outputs");
        assertThatThrownBy(() -> model.copy(new ParamMap()).setImageSize(32)
                .transform(files)).hasMessageContaining("takes 3x16x16 images").hasMessageContaining("imageSize is 32");
    }

    /** An ONNX file the model was exported to scores a DataFrame in ONNX Runtime as the DL4J model does. */
    @Test
    void anOnnxExportTransformsAsTheDl4jModel() throws Exception {
        Path onnx = dir.resolve("model.onnx");
        ExportJob.run(new ExportJob.Options(run.resolve("model.zip").toString(), "onnx", onnx.toString(), null, 0),
                new org.apache.hadoop.conf.Configuration());
        SynergyClassifierModel fromOnnx = SynergyClassifierModel.load(spark, onnx.toString()).setTopK(2);
        assertThat(fromOnnx.getImageSize()).isEqualTo(16);
        assertThat(fromOnnx.getEvalCrop()).isEqualTo(1.0);
        assertThat(fromOnnx.getClassNames()).containsExactly("class zero, zero", "class one, one");
        Dataset<Row> files = spark.read().format("binaryFile").load(photos.toString() + "/*/*");
        Map<String, Row> dl4j = SynergyClassifierModel.load(spark, run.toString()).setTopK(2).transform(files)
                .collectAsList().stream().collect(Collectors.toMap(r -> r.getAs("path"), r -> r));
        List<Row> scored = fromOnnx.transform(files).collectAsList();
        assertThat(scored).extracting(r -> r.<String>getAs("path")).containsExactlyInAnyOrderElementsOf(dl4j.keySet());
        assertThat(scored).filteredOn(r -> r.getAs("error") == null).hasSizeGreaterThan(2);
        for (Row row : scored) {
            Row expected = dl4j.get(row.<String>getAs("path"));
            assertThat(row.<String>getAs("error")).isEqualTo(expected.getAs("error"));
            assertThat(row.<Integer>getAs("prediction")).isEqualTo(expected.<Integer>getAs("prediction"));
            if (row.getAs("error") == null) {
                List<Row> top = row.getList(row.fieldIndex("top"));
                List<Row> expectedTop = expected.getList(expected.fieldIndex("top"));
                for (int i = 0; i < top.size(); i++) {
                    assertThat(top.get(i).<Integer>getAs("class")).isEqualTo(expectedTop.get(i).getAs("class"));
                    assertThat(top.get(i).<Double>getAs("probability"))
                            .isCloseTo(expectedTop.get(i).getAs("probability"), within(1e-5));
                }
            }
        }
    }

    /**
     * Saved alone or inside a PipelineModel and loaded back (DL4J and ONNX networks), the transformer keeps its uid
     * and params and scores as before; the saved folder holds Spark ML's metadata and the network file.
     */
    @Test
    void aSavedTransformerAndAPipelineHoldingItLoadBackAndScoreTheSame() throws Exception {
        Dataset<Row> files = spark.read().format("binaryFile").load(photos.toString() + "/*/*");
        Path onnx = dir.resolve("saved-from.onnx");
        ExportJob.run(new ExportJob.Options(run.resolve("model.zip").toString(), "onnx", onnx.toString(), null, 0),
                new org.apache.hadoop.conf.Configuration());
        for (String uri : List.of(run.toString(), onnx.toString())) {
            SynergyClassifierModel model = SynergyClassifierModel.load(spark, uri).setTopK(1).setOutputCol("best")
                    .setClassNames(new String[]{"cat", "dog"});
            Path saved = dir.resolve("saved-" + uri.hashCode());
            model.write().save(saved.toString());
            assertThat(saved.resolve("metadata")).isDirectory();
            assertThat(saved.resolve("model/" + (uri.endsWith(".onnx") ? "model.onnx" : "model.zip"))).isRegularFile();

            SynergyClassifierModel loaded = SynergyClassifierModel.load(saved.toString());
            assertThat(loaded.uid()).isEqualTo(model.uid());
            assertThat(loaded.getTopK()).isEqualTo(1);
            assertThat(loaded.getOutputCol()).isEqualTo("best");
            assertThat(loaded.getClassNames()).containsExactly("cat", "dog");
            assertThat(loaded.getImageSize()).isEqualTo(16);
            assertThat(loaded.getEvalCrop()).isEqualTo(1.0);
            List<Row> expected = model.transform(files).sort("path").collectAsList();
            assertThat(loaded.transform(files).sort("path").collectAsList()).isEqualTo(expected);
            assertThat(expected).anySatisfy(r -> assertThat(r.<Object>getAs("best")).isNotNull());

            Path pipeline = dir.resolve("pipeline-" + uri.hashCode());
            PipelineModel fitted = new Pipeline().setStages(new PipelineStage[]{model}).fit(files);
            fitted.write().save(pipeline.toString());
            assertThat(PipelineModel.load(pipeline.toString()).transform(files).sort("path").collectAsList())
                    .isEqualTo(expected);
            assertThatThrownBy(() -> model.write().save(saved.toString()))
                    .hasMessageContaining("already exists");   // Spark ML's rule: overwrite() to replace
        }
        assertThatThrownBy(() -> SynergyClassifierModel.load(dir.resolve("nothing-saved").toString()))
                .hasMessageContaining("nothing-saved");
    }

    @Test
    void aModelForGreyImagesIsRefusedNamingBoth() throws Exception {
        Path grey = dir.resolve("grey");
        ScoringFixtures.writeRun(grey, DataSpec.fashionMnist(null, 0, 0), 1);
        assertThatThrownBy(() -> SynergyClassifierModel.load(spark, grey.toString()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("takes 1x28x28 images (model.json: data fashion-mnist)")
                .hasMessageContaining("gives 3-channel RGB images (3x28x28)");
    }
}
