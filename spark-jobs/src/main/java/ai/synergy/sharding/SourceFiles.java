package ai.synergy.sharding;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.util.SerializableConfiguration;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;

/** Executor side: reads an input image through its Hadoop file system, checking it has not changed since listing. */
final class SourceFiles {
    private SourceFiles() {
    }

    /**
     * The file's bytes; fails if its length differs from the listing's (the input changed under the run), or if a
     * local file has become a symbolic link since it was listed (links are never read: {@link IlsvrcLayout}).
     */
    static byte[] read(SourceImage image, SerializableConfiguration hadoopConf) throws IOException {
        Path path = new Path(URI.create(image.uri()));
        if ("file".equals(path.toUri().getScheme()) && Files.isSymbolicLink(java.nio.file.Path.of(path.toUri()))) {
            throw new IOException(image.file() + " is a symbolic link now, not the file listed (the input changed "
                    + "during the run)");
        }
        FileSystem fs = path.getFileSystem(hadoopConf.value());
        long length = fs.getFileStatus(path).getLen();
        if (length != image.length()) {
            throw new IOException(image.file() + " is " + length + " bytes but was " + image.length()
                    + " when the input was listed (the input changed during the run)");
        }
        if (length > Integer.MAX_VALUE - 8) {
            throw new IOException(image.file() + " is too large for an image (" + length + " bytes)");
        }
        byte[] bytes = new byte[(int) length];
        try (FSDataInputStream in = fs.open(path)) {
            in.readFully(0, bytes);
        }
        return bytes;
    }
}
