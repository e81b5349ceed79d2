package ai.synergy.run;

import ai.synergy.config.InvalidInputException;
import ai.synergy.io.HadoopFiles;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * Driver side: an output folder a job writes whole and only then shows, such as {@code predict}'s. The job writes into
 * a temporary sibling ({@code .<name>.tmp-<id>}), finishes it with its marker file, and {@link #commit}s: the folder
 * is renamed to the target, so a reader sees a complete output or none. The rules are {@code train}'s: a finished
 * output (one holding the marker) is replaced only when the user asked ({@code --overwrite}); a folder holding
 * anything else is refused; a file at the target is refused; an empty folder is used. Refusals happen in
 * {@link #claim}, before any work, and change nothing.
 */
public final class OutputFolder {
    private final HadoopFiles files;
    private final Path target;
    private final Path temporary;
    private final String marker;
    private final String kind;
    private final String flag;

    private OutputFolder(HadoopFiles files, Path target, Path temporary, String marker, String kind, String flag) {
        this.files = files;
        this.target = target;
        this.temporary = temporary;
        this.marker = marker;
        this.kind = kind;
        this.flag = flag;
    }

    /**
     * Checks {@code target} and creates the temporary folder beside it.
     *
     * @param marker    the file every finished output of this kind holds (e.g. {@code predict.json})
     * @param kind      the output's kind, for messages ("predict")
     * @param overwrite whether a finished output there may be replaced
     * @param flag      the setting that named the target, for messages ("--out")
     */
    public static OutputFolder claim(HadoopFiles files, Path target, String marker, String kind, boolean overwrite,
                                     String flag) throws IOException {
        inspect(files, target, marker, kind, overwrite, flag);
        Path temporary = new Path(target.getParent(), "." + target.getName() + HadoopFiles.TEMP_MARK
                + UUID.randomUUID());
        files.requireWritableDirectory(temporary, flag);
        return new OutputFolder(files, target, temporary, marker, kind, flag);
    }

    /** Refuses a target this job may not write; returns whether a finished output is there (to be replaced). */
    private static boolean inspect(HadoopFiles files, Path target, String marker, String kind, boolean overwrite,
                                   String flag) throws IOException {
        FileSystem fs = files.fileSystem();
        FileStatus status = statusOrNull(fs, target);
        if (status == null) {
            return false;
        }
        if (!status.isDirectory()) {
            throw new InvalidInputException(flag + ": " + target + " is a file, not a folder (nothing was changed)");
        }
        if (fs.exists(new Path(target, marker))) {
            if (!overwrite) {
                throw new InvalidInputException(flag + ": " + target + " holds a finished " + kind + " output; "
                        + "pass --overwrite to replace it, or choose another " + flag + " (nothing was changed)");
            }
            return true;
        }
        List<String> names = Arrays.stream(fs.listStatus(target)).map(s -> s.getPath().getName()).sorted().toList();
        if (!names.isEmpty()) {
            throw new InvalidInputException(flag + ": " + target + " already holds files that are not a " + kind
                    + " output (" + String.join(", ", names.subList(0, Math.min(5, names.size())))
                    + (names.size() > 5 ? ", ... " + names.size() + " in all" : "") + "); choose a new or empty "
                    + "folder (nothing was changed)");
        }
        return false;
    }

    /** The folder to write into. */
    public Path temporary() {
        return temporary;
    }

    /** The folder the output will be. */
    public Path target() {
        return target;
    }

    /**
     * Shows the finished output: renames the temporary folder (which must hold the marker) to the target. A finished
     * output there (allowed by {@link #claim}) is first moved aside and removed after the rename; an empty folder
     * there is removed. Hadoop's rename does not replace a folder, so between the two renames the target is briefly
     * absent; it never holds half an output.
     */
    public void commit() throws IOException {
        FileSystem fs = files.fileSystem();
        if (!fs.exists(new Path(temporary, marker))) {
            throw new IllegalStateException(temporary + " has no " + marker + ": not finished");
        }
        Path aside = null;
        if (fs.exists(target)) {
            if (inspect(files, target, marker, kind, true, flag)) {
                aside = new Path(target.getParent(), "." + target.getName() + ".old" + HadoopFiles.TEMP_MARK
                        + UUID.randomUUID());
                rename(fs, target, aside);
            } else if (!fs.delete(target, false)) {
                throw new IOException("cannot remove the empty folder " + target);
            }
        }
        rename(fs, temporary, target);
        if (aside != null) {
            fs.delete(aside, true);
        }
        removeLeftovers(fs);
    }

    /** Removes the temporary folder (after a failure). */
    public void abandon() {
        try {
            files.fileSystem().delete(temporary, true);
        } catch (IOException | RuntimeException ignored) {
            // best effort: the next successful job to this target removes it
        }
    }

    /** Temporary siblings of this target that killed jobs left behind. */
    private void removeLeftovers(FileSystem fs) throws IOException {
        String prefix = "." + target.getName();
        for (FileStatus s : fs.listStatus(target.getParent())) {
            String name = s.getPath().getName();
            if (name.startsWith(prefix) && name.contains(HadoopFiles.TEMP_MARK)
                    && (name.startsWith(prefix + HadoopFiles.TEMP_MARK) || name.startsWith(prefix + ".old"))) {
                fs.delete(s.getPath(), true);
            }
        }
    }

    private static void rename(FileSystem fs, Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("cannot rename " + from + " to " + to);
        }
    }

    private static FileStatus statusOrNull(FileSystem fs, Path path) throws IOException {
        try {
            return fs.getFileStatus(path);
        } catch (FileNotFoundException e) {
            return null;
        }
    }
}
