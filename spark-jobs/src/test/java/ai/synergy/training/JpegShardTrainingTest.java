package ai.synergy.training;

import ai.synergy.dataset.DataSpec;
import ai.synergy.data.image.CenterCrop;
import ai.synergy.data.image.ImageDecoder;
import ai.synergy.jobs.PrepareJob;
import ai.synergy.jobs.TrainJob;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.dataset.Augmentation;
import ai.synergy.dataset.BatchSource;
import ai.synergy.dataset.BatchSpec;
import ai.synergy.dataset.JpegShards;
import ai.synergy.prepare.PrepareOptions;
import ai.synergy.dataset.RoundBatches;
import ai.synergy.prepare.ShardManifest;
import ai.synergy.dataset.ShardedDataset;
import ai.synergy.dataset.WorkerShard;
import ai.synergy.testing.IlsvrcTree;
import ai.synergy.testing.LocalSparkTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Executor-side input from prepared JPEG shards: ownership, deterministic augmentation, and training on it. */
class JpegShardTrainingTest extends LocalSparkTest {
    private static final int WORKERS = 2;
    private static final int SIZE = 32;

    static IlsvrcTree tree;
    static ShardManifest manifest;
    static String shardsUri;

    @BeforeAll
    static void prepare() throws Exception {
        tree = IlsvrcTree.write(dir.resolve("ilsvrc"), 4, 24, 24, 5);
        shardsUri = dir.resolve("shards").toUri().toString();
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        manifest = PrepareJob.run(jsc, new PrepareOptions(dir.resolve("ilsvrc").toUri().toString(), shardsUri, 4, 64,
                0.9, 1, List.of("train", "val"), null, null, null), quiet).manifest();
    }

    static DataSpec data(Augmentation augmentation) {
        return DataSpec.shards(shardsUri, manifest, 0, 0, SIZE, augmentation, 0.875);
    }

    @Test
    void eachWorkerOwnsItsShardsAndEveryImageIsUsedOnce() {
        ShardedDataset data = ShardedDataset.load(jsc, data(Augmentation.IMAGENET), WORKERS);
        try {
            var shards = manifest.splits().get("train").shards();
            assertThat(data.trainInfo()).extracting(WorkerShard.ShardInfo::count).containsExactly(
                    shards.get(0).images() + shards.get(2).images(), shards.get(1).images() + shards.get(3).images());
            assertThat(data.testSize()).isEqualTo(tree.expectedGoodVal());
            assertThat(data.fingerprint()).startsWith("train:train:").contains(",test:val:");
        } finally {
            data.release();
        }
    }

    @Test
    void augmentedBatchesDependOnlyOnSeedEpochAndWorker() throws Exception {
        ShardedDataset data = ShardedDataset.load(jsc, data(Augmentation.IMAGENET), WORKERS);
        try {
            BatchSpec spec = data(Augmentation.IMAGENET).batchSpec();
            List<MultiDataSet> onExecutors = data.train().mapPartitions(new RoundBatches(3, 1, 0, 2, 8, spec), true)
                    .collect();
            assertThat(onExecutors).hasSize(2 * WORKERS);
            List<MultiDataSet> again = data.train().mapPartitions(new RoundBatches(3, 1, 0, 2, 8, spec), true)
                    .collect();
            WorkerShard first = data.train().collect().get(0);
            Iterator<MultiDataSet> here = new RoundBatches(3, 1, 0, 2, 8, spec).call(List.of(first).iterator());
            INDArray features = onExecutors.get(0).getFeatures(0);
            assertThat(features.shape()).containsExactly(8, 3, SIZE, SIZE);
            assertThat(again.get(0).getFeatures(0)).isEqualTo(features);
            assertThat(here.next().getFeatures(0)).isEqualTo(features);
            List<MultiDataSet> nextEpoch = data.train().mapPartitions(new RoundBatches(3, 2, 0, 2, 8, spec), true)
                    .collect();
            assertThat(nextEpoch.get(0).getFeatures(0)).isNotEqualTo(features);
            assertThat(features.minNumber().doubleValue()).isGreaterThanOrEqualTo(0);
            assertThat(features.maxNumber().doubleValue()).isLessThanOrEqualTo(1);
        } finally {
            data.release();
        }
    }

    @Test
    void evaluationBatchesAreTheCenterCropOfTheStoredImage() throws Exception {
        ShardedDataset data = ShardedDataset.load(jsc, data(Augmentation.NONE), WORKERS);
        try {
            JpegShards worker = (JpegShards) data.test().collect().get(0);
            var entry = worker.shards().get(0).index().entries().get(0);
            byte[] jpeg = new byte[entry.length()];
            try (var file = new java.io.RandomAccessFile(Path.of(java.net.URI.create(worker.shards().get(0).uri()))
                    .toFile(), "r")) {
                file.seek(entry.offset());
                file.readFully(jpeg);
            }
            float[] expected = new float[3 * SIZE * SIZE];
            new CenterCrop(SIZE, 0.875).apply(ImageDecoder.decode(jpeg), false, expected, 0);
            try (BatchSource source = worker.open(data(Augmentation.NONE).batchSpec())) {
                MultiDataSet batch = source.evaluationBatch(0, 1);
                float[] actual = batch.getFeatures(0).reshape(expected.length).toFloatVector();
                assertThat(actual).containsExactly(expected, within(0f));
                assertThat(batch.getLabels(0).getFloat(0, entry.label())).isEqualTo(1f);
                assertThat(source.label(0)).isEqualTo(entry.label());
            }
        } finally {
            data.release();
        }
    }

    /**
     * Learning rate of the training test. 0.05 (with momentum 0.9 and batch-norm batches of 8) did not converge in its
     * 24 steps per worker: top-1 jumped between epochs (1.0, 0.667, 1.0, 1.0 for this seed) and over 12 seeds ended at
     * or above 0.9 only 5 times; oneDNN's AVX2 kernels instead of AVX-512 ({@code DNNL_MAX_CPU_ISA=AVX2}) turned this
     * seed's 1.0 into 0.667, the failure seen on another machine. At 0.01 every one of 80 runs (20 seeds x 2 trees and
     * shard orders x AVX-512 and AVX2 kernels) was at 1.0 from epoch 2 to 4; 0.02 already dipped to 0.667.
     */
    private static final double LEARNING_RATE = 0.01;

    @Test
    void trainsAResNetOnTheShardsAndReportsValidationAccuracy() throws Exception {
        DataSpec data = data(Augmentation.FLIP);
        TrainConfig config = TrainConfig.builder().data(data).model("resnet8").learningRate(LEARNING_RATE)
                .weightDecay(5e-4).schedule(LearningRateSchedule.Type.CONSTANT).epochs(4).workers(WORKERS)
                .batchSizePerWorker(8).averagingFrequency(2).evalBatchSize(16).seed(3).keepCheckpoints(1).build();
        Path out = dir.resolve("run");
        TrainJob.Result result = new TrainJob(jsc, config, new TrainJob.RunOptions(out.toString(), false, 0),
                new PrintStream(new ByteArrayOutputStream())).run();
        assertThat(result.finished()).isTrue();
        var last = result.metrics().get(result.metrics().size() - 1);
        assertThat(last.testExamples()).isEqualTo(tree.expectedGoodVal());
        // classes differ by colour: a network that reads the right pixels with the right labels learns them by epoch 2
        // and stays there; with labels and pixels that do not belong together it stays near chance, 0.25 (measured:
        // training labels shifted by one image 0.25, training pixels zeroed 0.33, evaluation reading the next image 0.08)
        assertThat(last.testTop1()).isGreaterThanOrEqualTo(0.9);
        assertThat(result.metrics().get(0).trainLoss()).isGreaterThan(last.trainLoss());
        assertThat(Files.exists(out.resolve("model.zip"))).isTrue();
    }
}
