package ai.synergy.testing;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

import java.io.IOException;
import java.net.URI;
import java.util.function.Predicate;

/**
 * A Hadoop file system for fault-injection tests: the local file system under the scheme {@code faulty://}, whose
 * {@code create} fails with "No space left on device" (what a full disk says) for the paths a test chooses. Install it
 * with {@link #install(Configuration)}, choose with {@link #failCreate(Predicate)}, and reset with {@link #heal()}.
 */
public final class FaultyFileSystem extends RawLocalFileSystem {
    /** The scheme. */
    public static final String SCHEME = "faulty";
    private static volatile Predicate<Path> failing = p -> false;

    /** Registers the scheme in {@code conf} (a fresh instance per use: no caching). */
    public static void install(Configuration conf) {
        conf.set("fs." + SCHEME + ".impl", FaultyFileSystem.class.getName());
        conf.setBoolean("fs." + SCHEME + ".impl.disable.cache", true);
    }

    /** From now on, creating a file whose path matches fails as a full disk does. */
    public static void failCreate(Predicate<Path> paths) {
        failing = paths;
    }

    /** No more failures. */
    public static void heal() {
        failing = p -> false;
    }

    /** The {@code faulty://} URI of a local path. */
    public static String uri(java.nio.file.Path local) {
        return SCHEME + "://" + local.toAbsolutePath();
    }

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public void initialize(URI uri, Configuration conf) throws IOException {
        super.initialize(uri, conf);
        setConf(conf);
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
                                     short replication, long blockSize, Progressable progress) throws IOException {
        if (failing.test(f)) {
            throw new IOException("No space left on device (injected for " + f.getName() + ")");
        }
        return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
    }

    @Override
    public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
                                     Progressable progress) throws IOException {
        if (failing.test(f)) {
            throw new IOException("No space left on device (injected for " + f.getName() + ")");
        }
        return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
    }
}
