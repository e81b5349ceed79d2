package ai.synergy.prepare;

import ai.synergy.config.Json;
import ai.synergy.data.image.BadImageException;
import ai.synergy.data.image.ImageDecoder;
import ai.synergy.data.image.JpegEncoder;
import ai.synergy.data.image.Resampler;
import ai.synergy.data.image.RgbImage;
import ai.synergy.data.shard.ShardIndex;
import ai.synergy.data.shard.ShardWriter;
import ai.synergy.io.HadoopFiles;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.util.SerializableConfiguration;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Executor side, second pass of {@code prepare}: writes one shard. Images are decoded, downscaled to the short side
 * and re-encoded on as many threads as the task has cores, then appended in order to a tar under a temporary name;
 * the tar and its index are renamed into place and a completion record is written last, so a killed run leaves either
 * a finished shard (kept by the re-run) or nothing that counts. A shard already completed by an earlier attempt of the
 * same run is returned as it is.
 */
public final class WriteShard implements Function<ShardTask, ShardResult> {
    /** Work folder of a run inside the output folder; removed when the manifest is written. */
    public static final String WORK_DIR = "_prepare";
    private static final int CHUNK = 64;

    private final SerializableConfiguration hadoopConf;

    /** @param hadoopConf the driver's Hadoop configuration (credentials and file system settings) */
    public WriteShard(SerializableConfiguration hadoopConf) {
        this.hadoopConf = hadoopConf;
    }

    @Override
    public ShardResult call(ShardTask task) throws IOException {
        HadoopFiles files = HadoopFiles.of(task.output(), hadoopConf.value());
        Path out = HadoopFiles.path(task.output());
        Path tar = new Path(out, task.fileName());
        Path index = new Path(out, task.fileName() + ShardIndex.SUFFIX);
        Path done = doneRecord(out, task.fileName());
        if (files.fileSystem().exists(done)) {
            ShardResult previous = Json.read(files.readString(done), ShardResult.class, done.toString());
            if (files.fileSystem().exists(tar) && files.fileSystem().getFileStatus(tar).getLen() == previous.bytes()) {
                return previous;
            }
        }
        String attempt = ".attempt-" + (TaskContext.get() != null ? TaskContext.get().taskAttemptId() : 0);
        Path tmpDir = new Path(new Path(out, WORK_DIR), "tmp");
        Path tmpTar = new Path(tmpDir, task.fileName() + attempt);
        Path tmpIndex = new Path(tmpDir, task.fileName() + ".idx" + attempt);
        Integer[] perClass = new Integer[task.numClasses()];
        Arrays.fill(perClass, 0);
        int reencoded = 0;
        ShardWriter writer;
        long bytes;
        try (FSDataOutputStream stream = files.fileSystem().create(tmpTar, true)) {
            writer = new ShardWriter(stream);
            int threads = TaskContext.get() != null ? Math.max(1, TaskContext.get().cpus()) : 1;
            ForkJoinPool pool = threads > 1 ? new ForkJoinPool(threads) : null;
            try {
                for (int start = 0; start < task.images().size(); start += CHUNK) {
                    List<SourceImage> chunk = task.images().subList(start,
                            Math.min(start + CHUNK, task.images().size()));
                    Encoded[] encoded = encodeAll(chunk, task, pool, hadoopConf);
                    for (int i = 0; i < chunk.size(); i++) {
                        writer.add(chunk.get(i).key(), chunk.get(i).label(), encoded[i].bytes());
                        perClass[chunk.get(i).label()]++;
                        reencoded += encoded[i].reencoded() ? 1 : 0;
                    }
                }
            } finally {
                if (pool != null) {
                    pool.shutdown();
                }
            }
            writer.close();
            bytes = stream.getPos();
        }
        byte[] indexBytes = writer.index().toBytes();
        try (FSDataOutputStream stream = files.fileSystem().create(tmpIndex, true)) {
            stream.write(indexBytes);
        }
        files.replace(tmpTar, tar);
        files.replace(tmpIndex, index);
        ShardResult result = new ShardResult(task.split(), task.index(), tar.getName(), index.getName(),
                task.images().size(), bytes, writer.sha256(), sha256(indexBytes), List.of(perClass), reencoded);
        files.writeAtomically(done, Json.write(result));
        return result;
    }

    /** Where the completion record of a shard is kept until the manifest is written. */
    public static Path doneRecord(Path output, String shardFile) {
        return new Path(new Path(new Path(output, WORK_DIR), "done"), shardFile + ".json");
    }

    private record Encoded(byte[] bytes, boolean reencoded) {
    }

    private static Encoded[] encodeAll(List<SourceImage> chunk, ShardTask task, ForkJoinPool pool,
                                       SerializableConfiguration hadoopConf) throws IOException {
        Encoded[] encoded = new Encoded[chunk.size()];
        if (pool == null) {
            for (int i = 0; i < chunk.size(); i++) {
                encoded[i] = encode(chunk.get(i), task, hadoopConf);
            }
            return encoded;
        }
        List<IOException> failures = new ArrayList<>();
        try {
            pool.submit(() -> IntStream.range(0, chunk.size()).parallel().forEach(i -> {
                try {
                    encoded[i] = encode(chunk.get(i), task, hadoopConf);
                } catch (IOException e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            })).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while encoding " + task.fileName(), e);
        } catch (ExecutionException e) {
            throw new IOException("encoding " + task.fileName() + " failed: " + e.getCause(), e.getCause());
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
        return encoded;
    }

    /** The bytes to store: the original JPEG when it needs no resizing, else a re-encoded RGB JPEG. */
    private static Encoded encode(SourceImage image, ShardTask task, SerializableConfiguration hadoopConf)
            throws IOException {
        byte[] bytes = SourceFiles.read(image, hadoopConf);
        RgbImage decoded;
        try {
            decoded = ImageDecoder.decode(bytes);
        } catch (BadImageException e) {
            throw new IOException(image.file() + " decoded in the scan pass but not now (" + e.getMessage()
                    + "): the input changed during the run; remove the output folder and start again", e);
        }
        boolean resize = task.shortSide() > 0 && Math.min(decoded.width(), decoded.height()) > task.shortSide();
        if (!resize && "jpeg".equals(ImageDecoder.formatOf(bytes))) {
            return new Encoded(bytes, false);
        }
        RgbImage stored = resize ? Resampler.resizeShortSide(decoded, task.shortSide()) : decoded;
        return new Encoded(JpegEncoder.encode(stored, (float) task.quality()), true);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
