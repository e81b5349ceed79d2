package ai.synergy.checkpoint;

import ai.synergy.config.InvalidInputException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.Path;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

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
            FileSystem fs = new Path(URI.create(uri)).getFileSystem(hadoopConf);
            fs.setWriteChecksum(false); // no .crc side files beside outputs on file://
            return new HadoopFiles(fs);
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidInputException(uri + ": cannot open its file system: " + e.getMessage(), e);
        }
    }

    /** The underlying Hadoop file system. */
    public FileSystem fileSystem() {
        return fs;
    }

    /** A Hadoop path for a URI string. */
    public static Path path(String uri) {
        return new Path(URI.create(uri));
    }

    /** Writes {@code bytes} to {@code target} atomically (temp name, then rename; the old file is replaced). */
    public void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
        try (FSDataOutputStream out = fs.create(tmp, false)) {
            out.write(bytes);
        }
        replace(tmp, target);
    }

    /** Writes a UTF-8 string atomically. */
    public void writeAtomically(Path target, String text) throws IOException {
        writeAtomically(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Moves {@code source} onto {@code target}, replacing it. On the local file system this is one atomic rename
     * (readers see the old or the new file, never neither); Hadoop's {@code rename} does not overwrite, so elsewhere
     * the old target is deleted first (HDFS and S3A have no atomic replace through this API).
     */
    public void replace(Path source, Path target) throws IOException {
        if (fs instanceof LocalFileSystem || fs instanceof RawLocalFileSystem) {
            java.nio.file.Path from = java.nio.file.Path.of(fs.makeQualified(source).toUri());
            java.nio.file.Path to = java.nio.file.Path.of(fs.makeQualified(target).toUri());
            if (!Files.isDirectory(to)) {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                return;
            }
        }
        if (fs.exists(target) && !fs.delete(target, true)) {
            throw new IOException("cannot replace " + target);
        }
        if (!fs.rename(source, target)) {
            throw new IOException("cannot rename " + source + " to " + target);
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
