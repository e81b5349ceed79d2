package ai.synergy.data.shard;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes one shard as a WebDataset-style tar: per image the entries {@code <key>.cls} (class index as decimal text)
 * and {@code <key>.jpg} (the JPEG bytes), readable by {@code tar} and by WebDataset/TorchData. Headers are
 * deterministic (mtime 0, uid/gid 0, mode 0644), so the same images give byte-identical shards; the writer records
 * each JPEG's offset for the {@link ShardIndex} and the file's SHA-256.
 */
public final class ShardWriter implements AutoCloseable {
    private static final int RECORD = 512;

    private final MessageDigest sha256;
    private final TarArchiveOutputStream tar;
    private final List<ShardIndex.Entry> entries = new ArrayList<>();
    private long position;
    private String sha256Hex;

    /** Writes to {@code out}, which this writer closes. */
    public ShardWriter(OutputStream out) {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        tar = new TarArchiveOutputStream(new DigestOutputStream(out, sha256), StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_ERROR); // no extension headers: offsets stay arithmetic
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_ERROR);
    }

    /** Appends one image; {@code key} must be unique in the shard, without '.' or '/', at most 90 characters. */
    public void add(String key, int label, byte[] jpeg) throws IOException {
        if (key.isEmpty() || key.length() > 90 || key.indexOf('.') >= 0 || key.indexOf('/') >= 0) {
            throw new IllegalArgumentException("shard key must be 1-90 characters without '.' or '/', got '" + key + "'");
        }
        if (label < 0) {
            throw new IllegalArgumentException("label must be >= 0, got " + label + " for " + key);
        }
        put(key + ".cls", Integer.toString(label).getBytes(StandardCharsets.US_ASCII));
        long offset = put(key + ".jpg", jpeg);
        entries.add(new ShardIndex.Entry(key, label, offset, jpeg.length));
    }

    private long put(String name, byte[] data) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(data.length);
        entry.setMode(0644);
        entry.setModTime(0);
        entry.setIds(0, 0);
        entry.setNames("", "");
        tar.putArchiveEntry(entry);
        tar.write(data);
        tar.closeArchiveEntry();
        long dataOffset = position + RECORD;
        position = dataOffset + (data.length + RECORD - 1) / RECORD * RECORD;
        return dataOffset;
    }

    /** The images written so far, with their offsets. */
    public ShardIndex index() {
        return new ShardIndex(entries);
    }

    /** Finishes the tar and closes the stream. */
    @Override
    public void close() throws IOException {
        if (sha256Hex == null) {
            tar.close();
            sha256Hex = HexFormat.of().formatHex(sha256.digest());
        }
    }

    /** Hex SHA-256 of the whole tar file; only after {@link #close()}. */
    public String sha256() {
        if (sha256Hex == null) {
            throw new IllegalStateException("the shard is still open");
        }
        return sha256Hex;
    }
}
