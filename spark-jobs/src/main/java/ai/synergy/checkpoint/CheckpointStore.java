package ai.synergy.checkpoint;

import ai.synergy.config.Credentials;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import ai.synergy.io.HadoopFiles;
import ai.synergy.nd4j.LayerHelpers;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Driver side: numbered checkpoints under {@code <out>/checkpoints/<kind>-NNNN/} (e.g. {@code epoch-0003} of a training
 * run, {@code round-0002} of a quantization run) on any Hadoop file system, each holding {@code model.zip} (DL4J
 * ModelSerializer, with updater state) and {@code state.json} (the job's state record {@code S}, as JSON). A
 * checkpoint is written into a temporary folder and renamed into place only when complete, so a killed driver never
 * leaves a half-written one (a failed write removes its temporary folder; one a kill leaves is removed by the next
 * job on the folder, see {@link ai.synergy.run.RunFolder}); folders that are not complete checkpoints are ignored when
 * resuming.
 *
 * @param <S> the state record saved beside the model
 */
public final class CheckpointStore<S> {
    /** The model file inside a checkpoint. */
    public static final String MODEL = "model.zip";
    /** The provenance file inside a checkpoint. */
    public static final String STATE = "state.json";

    private final HadoopFiles files;
    private final Path root;
    private final String kind;
    private final Pattern name;
    private final Class<S> stateType;

    /** Checkpoints named {@code <kind>-NNNN} holding a {@code stateType} record. */
    public CheckpointStore(HadoopFiles files, Path outputDir, String kind, Class<S> stateType) {
        this.files = files;
        this.root = new Path(outputDir, "checkpoints");
        this.kind = kind;
        this.name = Pattern.compile(Pattern.quote(kind) + "-\\d{4,}");
        this.stateType = stateType;
    }


    /** The folder that holds the checkpoints. */
    public Path root() {
        return root;
    }

    /** A checkpoint on disk. */
    public record Checkpoint<S>(Path dir, S state) {
    }

    /**
     * Writes checkpoint number {@code index} (e.g. epochs completed) and keeps only the newest {@code keep}; the
     * {@code extra} files (e.g. the pruning state), by file name, appear together with the model or not at all.
     */
    public Path save(ComputationGraph graph, S state, int index, int keep, Map<String, byte[]> extra)
            throws IOException {
        files.fileSystem().mkdirs(root);
        Path target = new Path(root, String.format("%s-%04d", kind, index));
        Path tmp = new Path(root, HadoopFiles.TEMP_MARK + target.getName() + "-" + UUID.randomUUID());
        try {
            files.fileSystem().mkdirs(tmp);
            files.writeAtomically(new Path(tmp, MODEL), modelBytes(graph));
            for (Map.Entry<String, byte[]> e : extra.entrySet()) {
                files.writeAtomically(new Path(tmp, e.getKey()), e.getValue());
            }
            files.writeAtomically(new Path(tmp, STATE), Credentials.redact(Json.write(state)));
            if (files.fileSystem().exists(target)) {
                files.fileSystem().delete(target, true); // this store's own older checkpoint of the same number
            }
            if (!files.fileSystem().rename(tmp, target)) {
                throw new IOException("cannot rename " + tmp + " to " + target);
            }
        } catch (IOException | RuntimeException e) {
            try {
                files.fileSystem().delete(tmp, true); // a full disk leaves no half checkpoint behind
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        List<Path> all = completeCheckpoints();
        for (int i = 0; i < all.size() - keep; i++) {
            files.fileSystem().delete(all.get(i), true);
        }
        return target;
    }

    /** True when the folder holds a complete checkpoint. */
    public boolean hasComplete() throws IOException {
        return !completeCheckpoints().isEmpty();
    }

    /** The folder name of the newest complete checkpoint, if any. */
    public Optional<String> newestName() throws IOException {
        List<Path> all = completeCheckpoints();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1).getName());
    }

    /** The newest complete checkpoint, if any. */
    public Optional<Checkpoint<S>> latest() throws IOException {
        List<Path> all = completeCheckpoints();
        if (all.isEmpty()) {
            return Optional.empty();
        }
        Path dir = all.get(all.size() - 1);
        Path statePath = new Path(dir, STATE);
        try {
            return Optional.of(new Checkpoint<>(dir, Json.read(files.readString(statePath), stateType,
                    statePath.toString())));
        } catch (InvalidInputException e) {
            throw new InvalidInputException(e.getMessage() + olderCheckpointHint(dir), e);
        }
    }

    /**
     * When the checkpoint in {@code dir} cannot be read: what the user can do if an older complete checkpoint is kept.
     */
    String olderCheckpointHint(Path dir) {
        try {
            List<Path> older = completeCheckpoints().stream().filter(p -> p.getName().compareTo(dir.getName()) < 0)
                    .toList();
            if (older.isEmpty()) {
                return "";
            }
            return "; the older checkpoint " + older.get(older.size() - 1) + " is complete: move " + dir
                    + " out of " + root + " and rerun with --resume to continue from it";
        } catch (IOException e) {
            return "";
        }
    }

    /** Loads a checkpoint's network with its updater state. */
    public ComputationGraph loadModel(Checkpoint<S> checkpoint) throws IOException {
        Path model = new Path(checkpoint.dir(), MODEL);
        try {
            ComputationGraph graph = ModelSerializer.restoreComputationGraph(
                    new ByteArrayInputStream(files.readBytes(model)), true);
            LayerHelpers.install(graph); // a restored network trains with the project's batch norm and convolutions too
            return graph;
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException(model + ": not a readable DL4J model (" + e.getMessage() + ")"
                    + olderCheckpointHint(checkpoint.dir()), e);
        }
    }

    /** A file saved with the checkpoint by name, if there is one. */
    public Optional<byte[]> readExtra(Checkpoint<S> checkpoint, String name) throws IOException {
        Path file = new Path(checkpoint.dir(), name);
        return files.fileSystem().exists(file) ? Optional.of(files.readBytes(file)) : Optional.empty();
    }

    /** A network as ModelSerializer zip bytes, with updater state. */
    public static byte[] modelBytes(ComputationGraph graph) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelSerializer.writeModel(graph, out, true);
        return out.toByteArray();
    }

    private List<Path> completeCheckpoints() throws IOException {
        if (!files.fileSystem().exists(root)) {
            return List.of();
        }
        FileStatus[] statuses = files.fileSystem().listStatus(root);
        return Arrays.stream(statuses)
                .filter(FileStatus::isDirectory)
                .map(FileStatus::getPath)
                .filter(p -> name.matcher(p.getName()).matches())
                .filter(p -> exists(new Path(p, MODEL)) && exists(new Path(p, STATE)))
                .sorted(Comparator.comparing(Path::getName))
                .toList();
    }

    private boolean exists(Path p) {
        try {
            return files.fileSystem().exists(p);
        } catch (IOException e) {
            return false;
        }
    }
}
