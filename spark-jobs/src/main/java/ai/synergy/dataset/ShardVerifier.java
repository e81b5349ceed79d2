package ai.synergy.dataset;

import ai.synergy.config.InvalidInputException;
import ai.synergy.data.shard.ShardIndex;
import ai.synergy.prepare.ShardManifest;
import ai.synergy.prepare.ShardResult;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Executor side: checks one shard's files against what {@code manifest.json} lists for them ({@link ShardResult}),
 * as far as the {@link ShardCheck} asks. A mismatch is a {@link DamagedShardException} naming the file: the shards
 * were changed after {@code prepare}, and training on them would use wrong labels or miss images silently.
 */
final class ShardVerifier {
    private static final String RERUN = ": the shards were changed after prepare; rerun prepare";
    private static final int BUFFER = 1 << 20;

    private ShardVerifier() {
    }

    /** Reads and parses the shard's index, after checking its SHA-256 unless {@code check} is NONE. */
    static ShardIndex readIndex(FileSystem fs, Path indexFile, ShardResult expected, ShardCheck check)
            throws IOException {
        byte[] bytes;
        try {
            bytes = new byte[(int) fs.getFileStatus(indexFile).getLen()];
        } catch (FileNotFoundException e) {
            throw new DamagedShardException("--data: " + indexFile + " is missing (" + ShardManifest.FILE
                    + " lists it)" + RERUN);
        }
        try (FSDataInputStream in = fs.open(indexFile)) {
            in.readFully(0, bytes);
        }
        if (check != ShardCheck.NONE) {
            requireSha256(indexFile, sha256(bytes), expected.indexSha256());
        }
        try {
            return ShardIndex.parse(bytes, "--data: " + indexFile);
        } catch (InvalidInputException e) { // only unchecked (NONE) indexes get here damaged
            throw new DamagedShardException(e.getMessage());
        }
    }

    /** Checks the tar file's size (INDEX, FULL) and its SHA-256 (FULL). */
    static void checkTar(FileSystem fs, Path tar, ShardResult expected, ShardCheck check) throws IOException {
        if (check == ShardCheck.NONE) {
            return;
        }
        FileStatus status;
        try {
            status = fs.getFileStatus(tar);
        } catch (FileNotFoundException e) {
            throw new DamagedShardException("--data: " + tar + " is missing (" + ShardManifest.FILE + " lists it)"
                    + RERUN);
        }
        if (status.getLen() != expected.bytes()) {
            throw new DamagedShardException("--data: " + tar + " is " + status.getLen() + " bytes but "
                    + ShardManifest.FILE + " says " + expected.bytes() + RERUN);
        }
        if (check == ShardCheck.FULL) {
            MessageDigest digest = newSha256();
            byte[] buffer = new byte[BUFFER];
            try (FSDataInputStream in = fs.open(tar)) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
            }
            requireSha256(tar, HexFormat.of().formatHex(digest.digest()), expected.sha256());
        }
    }

    private static void requireSha256(Path file, String actual, String expected) {
        if (!actual.equalsIgnoreCase(expected)) {
            throw new DamagedShardException("--data: " + file + " does not match " + ShardManifest.FILE + " (sha-256 "
                    + actual + " != " + expected + ")" + RERUN);
        }
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(newSha256().digest(bytes));
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
