package ai.synergy.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The product's version, from one place: the pom's {@code project.version}, which the Maven build writes into the
 * resource {@code synergy-version.properties} next to this class. {@code synergy --version} shows it and a shard
 * manifest's {@code createdBy} records it.
 */
public final class ProductVersion {

    /** The resource, next to this class, that the build fills in. */
    static final String RESOURCE = "synergy-version.properties";

    /** The version, such as {@code 0.1.0-SNAPSHOT}; {@code unknown} in classes not built by Maven. */
    public static final String VERSION = read();

    private ProductVersion() {
    }

    /** How the program names itself: {@code synergy <version>}. */
    public static String product() {
        return "synergy " + VERSION;
    }

    private static String read() {
        try (InputStream in = ProductVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            String version = properties.getProperty("version", "").strip();
            // missing, or left as ${project.version} by a build that copied the resource without filtering it
            return version.isEmpty() || version.contains("${") ? "unknown" : version;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }
}
