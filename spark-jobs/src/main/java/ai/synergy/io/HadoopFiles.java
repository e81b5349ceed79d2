package ai.synergy.io;

import ai.synergy.config.InvalidInputException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Driver side: small-file I/O on any Hadoop file system ({@code file://} by default, {@code hdfs://}, {@code s3a://}),
 * always written under a temporary name in the same folder and then renamed, so readers never see half a file.
 */
public final class HadoopFiles {
    private final FileSystem fs;

    private HadoopFiles(FileSystem fs) {
        this.fs = fs;
    }

    /** The file system of a URI (a path without scheme is a local path). */
    public static HadoopFiles of(String uri, Configuration hadoopConf) {
        try {
            FileSystem fs = path(uri).getFileSystem(hadoopConf);
            fs.setWriteChecksum(false); // no .crc side files beside outputs on file://
            return new HadoopFiles(fs);
        } catch (IOException | RuntimeException e) { // a scheme without its file system class is a RuntimeException
            throw new InvalidInputException(uri + ": cannot open its file system: " + e.getMessage(), e);
        }
    }

    /** The underlying Hadoop file system. */
    public FileSystem fileSystem() {
        return fs;
    }

    /**
     * A Hadoop path for a location as users write it: a URI ({@code hdfs://nn/runs/a}, {@code file:///tmp/a%20b}) or a
     * plain local path, which may hold spaces and any Unicode character ({@code /tmp/runs/été 1}) and is taken
     * literally (a {@code %} in it is a percent sign).
     */
    public static Path path(String location) {
        if (location == null || location.isBlank()) {
            throw new InvalidInputException("empty path");
        }
        if (SCHEME.matcher(location).lookingAt()) {
            try {
                return new Path(URI.create(location));
            } catch (IllegalArgumentException e) {
                // not a well-formed URI (a space, a lone '%'): Hadoop's own parser takes the characters literally
            }
        }
        return new Path(location);
    }

    private static final Pattern SCHEME = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*:/");

    /**
     * Writes {@code bytes} to {@code target} atomically: a temporary file beside it ({@value #TEMP_MARK} in its name),
     * then a rename that replaces an older file. A folder at {@code target} is never replaced
     * ({@link TargetIsFolderException}); when the write fails (a full disk), the temporary file is removed and the old
     * file is left as it was.
     */
    public void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = new Path(target.getParent(), "." + target.getName() + TEMP_MARK + UUID.randomUUID());
        try {
            try (FSDataOutputStream out = fs.create(tmp, false)) {
                out.write(bytes);
            }
            replace(tmp, target);
        } catch (IOException | RuntimeException e) {
            try {
                fs.delete(tmp, false);
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The part of a temporary file's or folder's name that marks it as one (never a finished output's). */
    public static final String TEMP_MARK = ".tmp-";

    /** Writes a UTF-8 string atomically. */
    public void writeAtomically(Path target, String text) throws IOException {
        writeAtomically(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Moves the file {@code source} onto {@code target}, replacing an older file there. A folder at {@code target} is
     * never replaced: that fails with {@link TargetIsFolderException} and leaves both in place. On the local file
     * system this is one atomic rename (readers see the old or the new file, never neither); Hadoop's {@code rename}
     * does not overwrite, so elsewhere the old file is deleted first (HDFS and S3A have no atomic replace through this
     * API).
     */
    public void replace(Path source, Path target) throws IOException {
        java.nio.file.Path localTarget = localPath(target);
        if (localTarget != null) {
            if (Files.isDirectory(localTarget, LinkOption.NOFOLLOW_LINKS)) {
                throw new TargetIsFolderException(target);
            }
            Files.move(localPath(source), localTarget, StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        FileStatus existing = statusOrNull(target);
        if (existing != null) {
            if (existing.isDirectory()) {
                throw new TargetIsFolderException(target);
            }
            if (!fs.delete(target, false)) {
                throw new IOException("cannot replace " + target);
            }
        }
        if (!fs.rename(source, target)) {
            throw new IOException("cannot rename " + source + " to " + target);
        }
    }

    private FileStatus statusOrNull(Path path) throws IOException {
        try {
            return fs.getFileStatus(path);
        } catch (FileNotFoundException e) {
            return null;
        }
    }

    /** A write that would have replaced a folder; nothing was replaced. */
    public static final class TargetIsFolderException extends IOException {
        TargetIsFolderException(Path target) {
            super(target + " is a folder; refusing to replace it with a file (nothing was deleted)");
        }
    }

    /** The local file of a path on the local file system (no URI round trip, so any character works); else null. */
    private java.nio.file.Path localPath(Path path) {
        if (fs instanceof LocalFileSystem local) {
            return local.pathToFile(path).toPath();
        }
        if (fs instanceof RawLocalFileSystem raw) {
            return raw.pathToFile(path).toPath();
        }
        return null;
    }

    /**
     * Creates {@code file} with {@code bytes} only if nothing is there: one atomic step on the local file system
     * and HDFS (two processes racing for it: one wins). Returns false when the file already exists.
     */
    public boolean createNew(Path file, byte[] bytes) throws IOException {
        java.nio.file.Path local = localPath(file);
        if (local != null) {
            Files.createDirectories(local.getParent());
            try {
                Files.write(local, bytes, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
                return true;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                return false;
            }
        }
        try (FSDataOutputStream out = fs.create(file, false)) {
            out.write(bytes);
            return true;
        } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
            return false;
        }
    }

    /** Sets a file's modification time to now. */
    public void touch(Path file) throws IOException {
        java.nio.file.Path local = localPath(file);
        if (local != null) {
            Files.setLastModifiedTime(local, FileTime.fromMillis(System.currentTimeMillis()));
        } else {
            fs.setTimes(file, System.currentTimeMillis(), -1);
        }
    }

    /** Reads a whole file. */
    public byte[] readBytes(Path file) throws IOException {
        try (InputStream in = fs.open(file)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    /** Reads a whole UTF-8 file. */
    public String readString(Path file) throws IOException {
        return new String(readBytes(file), StandardCharsets.UTF_8);
    }

    /**
     * Creates {@code dir} if needed and proves it writable by writing and deleting a probe file; the error names the
     * flag the folder came from.
     */
    public void requireWritableDirectory(Path dir, String flag) {
        try {
            if (fs.exists(dir) && !fs.getFileStatus(dir).isDirectory()) {
                throw new InvalidInputException(flag + ": " + dir + " exists and is not a directory");
            }
            fs.mkdirs(dir);
            Path probe = new Path(dir, ".write-probe-" + UUID.randomUUID());
            try (FSDataOutputStream out = fs.create(probe, false)) {
                out.write(1);
            }
            fs.delete(probe, false);
        } catch (IOException e) {
            throw new InvalidInputException(flag + ": " + dir + " is not writable (" + e.getMessage() + ")", e);
        }
    }

    /** Fails with a message naming the flag when a required input file is missing or empty. */
    public void requireNonEmptyFile(Path file, String flag, String hint) {
        try {
            if (!fs.exists(file)) {
                throw new InvalidInputException(flag + ": " + file + " does not exist" + hint);
            }
            if (fs.getFileStatus(file).getLen() == 0) {
                throw new InvalidInputException(flag + ": " + file + " is empty (0 bytes)");
            }
        } catch (IOException e) {
            throw new InvalidInputException(flag + ": cannot read " + file + " (" + e.getMessage() + ")", e);
        }
    }
}
