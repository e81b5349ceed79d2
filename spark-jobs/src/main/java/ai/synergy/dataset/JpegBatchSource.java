package ai.synergy.dataset;

import ai.synergy.data.image.BadImageException;
import ai.synergy.data.image.CenterCrop;
import ai.synergy.data.image.ImageDecoder;
import ai.synergy.data.image.RandomResizedCrop;
import ai.synergy.data.image.RgbImage;
import ai.synergy.data.shard.ShardIndex;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.function.IntUnaryOperator;
import java.util.stream.IntStream;

/**
 * Executor side: minibatches from a worker's JPEG shards. Each image is read with one positioned read, decoded,
 * and cropped/augmented straight into the batch's float array, on as many threads as the task has cores
 * ({@code spark.task.cpus}); with one core it runs in the task's own thread.
 */
final class JpegBatchSource implements BatchSource {
    private final JpegShards shards;
    private final BatchSpec spec;
    private final FSDataInputStream[] streams;
    private final int[] shardOf;
    private final int[] entryOf;
    private final RandomResizedCrop randomCrop;
    private final CenterCrop centerCrop;
    private final ForkJoinPool pool;

    JpegBatchSource(JpegShards shards, BatchSpec spec) {
        if (spec.imageSize() < 8) {
            throw new IllegalArgumentException("JPEG data needs an input size >= 8, got " + spec.imageSize());
        }
        this.shards = shards;
        this.spec = spec;
        int count = shards.count();
        this.shardOf = new int[count];
        this.entryOf = new int[count];
        int example = 0;
        for (int s = 0; s < shards.shards().size() && example < count; s++) {
            int size = shards.shards().get(s).index().size();
            for (int e = 0; e < size && example < count; e++, example++) {
                shardOf[example] = s;
                entryOf[example] = e;
            }
        }
        this.streams = new FSDataInputStream[shards.shards().size()];
        this.randomCrop = RandomResizedCrop.imagenet(spec.imageSize());
        this.centerCrop = new CenterCrop(spec.imageSize(), spec.evalCropFraction());
        TaskContext task = TaskContext.get();
        int threads = task != null ? task.cpus() : 1;
        this.pool = threads > 1 ? new ForkJoinPool(threads) : null;
    }

    @Override
    public MultiDataSet trainingBatch(int[] order, int start, int size, long epochSeed) {
        return batch(size, i -> order[start + i], epochSeed, true);
    }

    @Override
    public MultiDataSet evaluationBatch(int start, int size) {
        return batch(size, i -> start + i, 0, false);
    }

    @Override
    public int label(int example) {
        return entry(example).label();
    }

    private ShardIndex.Entry entry(int example) {
        return shards.shards().get(shardOf[example]).index().entries().get(entryOf[example]);
    }

    private MultiDataSet batch(int size, IntUnaryOperator exampleAt, long epochSeed,
                               boolean training) {
        int s = spec.imageSize();
        int imageFloats = 3 * s * s;
        float[] features = new float[size * imageFloats];
        float[] oneHot = new float[size * spec.numClasses()];
        IntConsumer fill = i -> {
            int example = exampleAt.applyAsInt(i);
            RgbImage image = decode(example);
            if (training) {
                SplittableRandom random = new SplittableRandom(EpochPermutation.exampleSeed(epochSeed, example));
                boolean flip = spec.augmentation() != Augmentation.NONE && random.nextBoolean();
                if (spec.augmentation() == Augmentation.IMAGENET) {
                    randomCrop.apply(image, flip, random, features, i * imageFloats);
                } else {
                    centerCrop.apply(image, flip, features, i * imageFloats);
                }
            } else {
                centerCrop.apply(image, false, features, i * imageFloats);
            }
            oneHot[i * spec.numClasses() + label(example)] = 1f;
        };
        if (pool == null) {
            for (int i = 0; i < size; i++) {
                fill.accept(i);
            }
        } else {
            try {
                pool.submit(() -> IntStream.range(0, size).parallel().forEach(fill)).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while decoding a minibatch", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }
        INDArray f = Nd4j.create(features, new long[]{size, 3, s, s}, DataType.FLOAT);
        INDArray l = Nd4j.create(oneHot, new long[]{size, spec.numClasses()}, DataType.FLOAT);
        return new org.nd4j.linalg.dataset.MultiDataSet(f, l);
    }

    private RgbImage decode(int example) {
        JpegShards.ShardFile file = shards.shards().get(shardOf[example]);
        ShardIndex.Entry entry = entry(example);
        byte[] bytes = new byte[entry.length()];
        try {
            FSDataInputStream stream = stream(shardOf[example]);
            synchronized (stream) {
                stream.readFully(entry.offset(), bytes);
            }
            return ImageDecoder.decode(bytes);
        } catch (EOFException e) {
            throw new DamagedShardException("--data: " + file.uri() + " ends before image " + entry.key() + " ("
                    + entry.length() + " bytes at " + entry.offset() + "): the shard was changed after prepare; "
                    + "rerun prepare");
        } catch (IOException e) {
            throw new UncheckedIOException(file.uri() + ": cannot read image " + entry.key() + " ("
                    + entry.length() + " bytes at " + entry.offset() + ")", e);
        } catch (BadImageException e) {
            throw new DamagedShardException("--data: " + file.uri() + ": image " + entry.key() + " does not decode ("
                    + e.getMessage() + "): the shard is damaged; rerun prepare");
        }
    }

    private synchronized FSDataInputStream stream(int shard) throws IOException {
        if (streams[shard] == null) {
            Path path = new Path(URI.create(shards.shards().get(shard).uri()));
            streams[shard] = path.getFileSystem(shards.hadoopConf().value()).open(path);
        }
        return streams[shard];
    }

    @Override
    public synchronized void close() {
        for (int i = 0; i < streams.length; i++) {
            if (streams[i] != null) {
                try {
                    streams[i].close();
                } catch (IOException ignored) {
                    // closing a read-only stream: nothing is lost
                }
                streams[i] = null;
            }
        }
        if (pool != null) {
            pool.shutdown();
        }
    }
}
