package ai.synergy.run;

import ai.synergy.checkpoint.CheckpointStore;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import ai.synergy.io.HadoopFiles;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Driver side: the output folder of a {@code train} or {@code quantize} run, and the one place that decides what a
 * job may do with it. The guarantees:
 * <ul>
 *   <li>a run folder is marked as one ({@value #MARKER}: the job, when it started, when it finished); a fresh run
 *       starts only in a new or empty folder, or in one whose run never reached a checkpoint; a folder holding
 *       anything synergy did not write is refused before anything is written;</li>
 *   <li>a job holds the folder's {@link RunLock} while it runs, so two jobs never write one run;</li>
 *   <li>every state a killed job can leave is continued by one command: no complete checkpoint yet: the same command
 *       (with or without {@code --resume}) starts over; a checkpoint: {@code --resume} continues from it, also when
 *       every epoch was done but the final model was not written yet; finished: nothing to do;</li>
 *   <li>temporary files and folders a killed job left behind are removed when the next job takes the lock.</li>
 * </ul>
 * Open one with {@link #claim}, and close it when the job ends.
 */
public final class RunFolder implements AutoCloseable {
    /** The file that marks a folder as a synergy run. */
    public static final String MARKER = "synergy-run.json";
    /** The lock file a running job holds. */
    public static final String LOCK = "synergy-run.lock";

    // The files of a run folder, named once here.
    /** The final network (DL4J ModelSerializer zip, without updater state). */
    public static final String MODEL = "model.zip";
    /** Provenance of the final network: the last checkpoint's state record as JSON. */
    public static final String MODEL_PROVENANCE = "model.json";
    /** The run's report, rewritten after every epoch or round. */
    public static final String REPORT = "report.md";
    /** The same report as a self-contained web page, reloading itself while the run goes on. */
    public static final String REPORT_HTML = "report.html";
    /** Training: per-epoch metrics, one JSON object a line. */
    public static final String METRICS = "metrics.jsonl";
    /** Training: loss and accuracy curves. */
    public static final String CURVES = "curves.png";
    /** Training: where each epoch's time went (compute, data, averaging, scheduling), one JSON line per epoch. */
    public static final String TIME_SPLIT = "timings.jsonl";
    /** Pruned training runs: sparsity per layer, parameters kept and the sparse export's size. */
    public static final String SPARSITY = "sparsity.json";
    /** Quantization: per-round metrics, one JSON object a line. */
    public static final String ROUNDS = "rounds.jsonl";
    /** Quantization: accuracy and fraction quantized per round. */
    public static final String ROUNDS_CHART = "rounds.png";
    /** Quantization: the compact export (codes into per-array codebooks). */
    public static final String COMPACT_MODEL = "model-compact.zip";
    /** Quantization: per-layer codebook sizes and the compact export's compression. */
    public static final String QUANTIZATION_REPORT = "quantization.json";
    /** TensorBoard event files, one per run start or resume ({@code tensorboard --logdir <run>}). */
    public static final String TENSORBOARD = "tensorboard";
    /** The folder of numbered checkpoints ({@link CheckpointStore}). */
    public static final String CHECKPOINTS = "checkpoints";
    /** Inside a training checkpoint: the pruning stages' state (ADMM variables, masks). */
    public static final String PRUNING_STATE = "pruning.bin";
    /** Inside a quantization checkpoint: the rounds' state (partitions, codebooks, frozen weights). */
    public static final String ROUNDS_STATE = "quantization.bin";

    /** The jobs that own run folders. */
    public enum Job {
        TRAIN, QUANTIZE;

        /** The name in {@value #MARKER} and in messages. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The content of {@value #MARKER}.
     *
     * @param job        the job that owns the folder ({@link Job#label()})
     * @param createdAt  ISO-8601 time the run started
     * @param finishedAt ISO-8601 time the run wrote its final outputs; null while it is not finished
     */
    public record Marker(String job, String createdAt, String finishedAt) {
        /** True once the run wrote its final outputs. */
        public boolean finished() {
            return finishedAt != null;
        }
    }

    /** What a claimed folder holds, and so what the job does. */
    public enum Start {
        /** Nothing to continue: the job starts from the beginning. */
        FRESH,
        /** A complete checkpoint: the job continues from it. */
        RESUME,
        /** The run is finished ({@link Resume#AUTO} only): nothing to do. */
        FINISHED
    }

    /** What the user asked for with {@code --resume}. */
    public enum Resume {
        /** A new run (no {@code --resume}): refused where a checkpoint or a finished run is. */
        NO,
        /** Continue the run there ({@code --resume}): refused where there is none. */
        YES,
        /**
         * Whatever continues the work ({@code --resume auto}): resume a checkpoint, else start; a finished run is
         * done. For restarts without a person (YARN application attempts, Kubernetes restart policies), which also
         * wait for the lock of the driver they replace to go stale.
         */
        AUTO;

        /** The mode for a plain boolean {@code --resume}. */
        public static Resume of(boolean resume) {
            return resume ? YES : NO;
        }

        /**
         * Parses {@code --resume}'s value: absent = {@link #NO}, the bare flag = {@link #YES}, {@code auto}.
         */
        public static Resume parse(String value) {
            if (value == null) {
                return NO;
            }
            return switch (value) {
                case "", "true", "yes" -> YES;
                case "auto" -> AUTO;
                case "false", "no" -> NO;
                default -> throw new InvalidInputException("--resume: unknown value '" + value + "'; give --resume "
                        + "alone (continue the run in --out) or --resume auto (continue it if there is one, else "
                        + "start)");
            };
        }
    }

    private static volatile RunFolder current;

    private final HadoopFiles files;
    private final Path dir;
    private final Job job;
    private final RunLock lock;
    private final Start start;
    private Marker marker;
    private boolean closed;

    private RunFolder(HadoopFiles files, Path dir, Job job, RunLock lock, Start start, Marker marker) {
        this.files = files;
        this.dir = dir;
        this.job = job;
        this.lock = lock;
        this.start = start;
        this.marker = marker;
    }

    /**
     * Takes the folder {@code dir} for a {@code job} run, or refuses it with a message naming {@code flag} and what to
     * do; a refusal changes nothing on disk.
     *
     * @param checkpoints the job's checkpoints in {@code dir}
     * @param resume      whether the user asked to continue the run there
     */
    public static RunFolder claim(HadoopFiles files, Path dir, Job job, CheckpointStore<?> checkpoints, Resume resume,
                                  String flag) throws IOException {
        FileSystem fs = files.fileSystem();
        inspect(files, dir, job, checkpoints, flag); // refuses a foreign folder before anything is created in it
        files.requireWritableDirectory(dir, flag);
        RunLock lock = RunLock.acquire(files, new Path(dir, LOCK), job.label(), flag,
                resume == Resume.AUTO ? RunLock.staleAfter().plus(RunLock.HEARTBEAT) : Duration.ZERO);
        try {
            // what the folder holds now that no other job can change it
            Optional<Marker> marker = inspect(files, dir, job, checkpoints, flag);
            Start start = decide(dir, job, checkpoints, resume, flag, marker);
            removeTemporaryFiles(fs, dir);
            removeTemporaryFiles(fs, checkpoints.root());
            Marker written = marker.orElse(null);
            if (start == Start.FRESH || written == null || !fs.exists(new Path(dir, MARKER))) {
                // a new run, or one from before markers
                written = new Marker(job.label(), start == Start.RESUME && written != null
                        ? written.createdAt() : Instant.now().toString(), null);
                files.writeAtomically(new Path(dir, MARKER), Json.write(written));
            }
            RunFolder folder = new RunFolder(files, dir, job, lock, start, written);
            current = folder;
            return folder;
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static Start decide(Path dir, Job job, CheckpointStore<?> checkpoints, Resume resume, String flag,
                                Optional<Marker> marker) throws IOException {
        if (marker.isPresent() && marker.get().finished()) {
            if (resume == Resume.AUTO) {
                return Start.FINISHED;
            }
            boolean asked = resume == Resume.YES;
            throw new InvalidInputException((asked ? "--resume: " : flag + ": ") + dir + " holds a finished "
                    + job.label() + " run (finished " + marker.get().finishedAt() + "); nothing to "
                    + (asked ? "resume" : "do there") + ": choose another " + flag + " for a new run (`synergy "
                    + "report " + dir + "` rewrites its report)");
        }
        boolean hasCheckpoint = checkpoints.hasComplete();
        if (hasCheckpoint) {
            if (resume == Resume.NO) {
                throw new InvalidInputException(flag + ": " + dir + " holds an unfinished " + job.label() + " run ("
                        + "newest checkpoint " + checkpoints.newestName().orElse("?") + "); pass --resume to continue "
                        + "it, or choose another " + flag + " (nothing was changed)");
            }
            return Start.RESUME;
        }
        if (resume == Resume.YES && marker.isEmpty()) {
            throw new InvalidInputException("--resume: " + dir + " holds no " + job.label() + " run to resume; run "
                    + "the same command without --resume to start one (or with --resume auto)");
        }
        return Start.FRESH; // new, empty, or a run killed before its first checkpoint: start over
    }

    /**
     * Reads the marker, refusing folders that are not this job's runs. A folder without a marker counts as a run of
     * {@code job} when it holds complete checkpoints of it (runs written before markers existed).
     */
    private static Optional<Marker> inspect(HadoopFiles files, Path dir, Job job, CheckpointStore<?> checkpoints,
                                            String flag) throws IOException {
        FileSystem fs = files.fileSystem();
        if (!fs.exists(dir)) {
            return Optional.empty();
        }
        if (!fs.getFileStatus(dir).isDirectory()) {
            throw new InvalidInputException(flag + ": " + dir + " is a file, not a folder (nothing was changed)");
        }
        Path markerFile = new Path(dir, MARKER);
        if (fs.exists(markerFile)) {
            Marker marker = Json.read(files.readString(markerFile), Marker.class, markerFile.toString());
            if (!job.label().equals(marker.job())) {
                throw new InvalidInputException(flag + ": " + dir + " holds a " + marker.job() + " run, not a "
                        + job.label() + " run; choose another " + flag + " (nothing was changed)");
            }
            return Optional.of(marker);
        }
        if (checkpoints.hasComplete()) {
            return Optional.of(new Marker(job.label(), "unknown", null));
        }
        List<String> foreign = Arrays.stream(fs.listStatus(dir))
                .map(FileStatus::getPath).map(Path::getName)
                .filter(name -> !name.equals(LOCK) && !name.contains(HadoopFiles.TEMP_MARK))
                .sorted().toList();
        if (!foreign.isEmpty()) {
            throw new InvalidInputException(flag + ": " + dir + " already holds files that are not a synergy "
                    + job.label() + " run (" + String.join(", ", foreign.subList(0, Math.min(5, foreign.size())))
                    + (foreign.size() > 5 ? ", ... " + foreign.size() + " in all" : "") + "); choose a new or empty "
                    + "folder (nothing was changed)");
        }
        return Optional.empty();
    }

    /** Removes what a killed job left under temporary names ({@link HadoopFiles#TEMP_MARK}) directly in {@code dir}. */
    private static void removeTemporaryFiles(FileSystem fs, Path dir) throws IOException {
        if (!fs.exists(dir)) {
            return;
        }
        for (FileStatus status : fs.listStatus(dir)) {
            if (status.getPath().getName().contains(HadoopFiles.TEMP_MARK)) {
                fs.delete(status.getPath(), true);
            }
        }
    }

    /** The folder. */
    public Path dir() {
        return dir;
    }


    /** Whether the job starts over or continues a checkpoint. */
    public Start start() {
        return start;
    }

    /** Marks the run finished: written after its final outputs, so a run is finished only once they all are. */
    public void markFinished() throws IOException {
        marker = new Marker(job.label(), marker.createdAt(), Instant.now().toString());
        files.writeAtomically(new Path(dir, MARKER), Json.write(marker));
    }

    /**
     * The marker of a run folder, if it has one (for readers such as {@code synergy report}).
     */
    public static Optional<Marker> readMarker(HadoopFiles files, Path dir) throws IOException {
        Path markerFile = new Path(dir, MARKER);
        if (!files.fileSystem().exists(markerFile)) {
            return Optional.empty();
        }
        return Optional.of(Json.read(files.readString(markerFile), Marker.class, markerFile.toString()));
    }

    /**
     * What a user should do after this process stops early (a full disk, a signal), naming the run folder in use; empty
     * when no run folder is open.
     */
    public static Optional<String> resumeHint() {
        RunFolder folder = current;
        if (folder == null || folder.closed) {
            return Optional.empty();
        }
        return Optional.of("the run in " + folder.dir + " keeps its last complete checkpoint; rerun the same command "
                + "with --resume to continue");
    }

    /** Releases the lock. */
    @Override
    public void close() {
        closed = true;
        lock.close();
        if (current == this) {
            current = null;
        }
    }
}
