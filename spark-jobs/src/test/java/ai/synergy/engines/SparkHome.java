package ai.synergy.engines;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A SPARK_HOME laid out as a Spark 3.5 distribution's: {@code jars/} holds exactly the jars the {@code spark-dist}
 * module resolved with Spark's own dependency versions (nothing of synergy), {@code conf/} is its configuration
 * folder. The checkout's root, the shaded application jar and the {@code cluster-conf/} files are found from here too.
 */
final class SparkHome {
    /** The checkout's root (the folder holding cluster-conf/). */
    static final Path ROOT = checkoutRoot();
    /** The application jar as the README's spark-submit lines name it, relative to the checkout's root. */
    static final String APP_JAR = "spark-jobs/target/synergy-spark-jobs-0.1.0-SNAPSHOT-app.jar";

    private final Path home;

    private SparkHome(Path home) {
        this.home = home;
    }

    /**
     * Creates {@code dir} as a Spark home: {@code jars/} links the distribution's jars; {@code conf/} gets the given
     * files of {@code cluster-conf/} (e.g. log4j2.properties, metrics.properties), as a site would copy them there.
     */
    static SparkHome create(Path dir, String... confFiles) throws IOException {
        Path jars = Files.createDirectories(dir.resolve("jars"));
        Map<String, Integer> names = new HashMap<>();
        for (Path jar : distributionJars()) {
            String name = jar.getFileName().toString();
            int seen = names.merge(name, 1, Integer::sum);
            Path link = jars.resolve(seen == 1 ? name : seen + "-" + name);
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, jar);
        }
        Path conf = Files.createDirectories(dir.resolve("conf"));
        for (String file : confFiles) {
            Files.copy(ROOT.resolve("cluster-conf").resolve(file), conf.resolve(file),
                    StandardCopyOption.REPLACE_EXISTING);
        }
        return new SparkHome(dir);
    }

    Path path() {
        return home;
    }

    Path jars() {
        return home.resolve("jars");
    }

    Path conf() {
        return home.resolve("conf");
    }

    /** The jars of a Spark 3.5.6 distribution (Hadoop 3) that spark-dist resolved (target/spark-jars.txt). */
    static List<Path> distributionJars() throws IOException {
        Path list = Paths.get(System.getProperty("synergy.sparkJars",
                ROOT.resolve("spark-dist/target/spark-jars.txt").toString()));
        if (!Files.isRegularFile(list)) {
            throw new IllegalStateException(list + " is missing: build the spark-dist module first (mvn -pl "
                    + "spark-jobs -am verify does)");
        }
        List<Path> jars = Arrays.stream(Files.readString(list).strip().split(java.io.File.pathSeparator))
                .filter(s -> !s.isBlank()).map(Path::of).toList();
        for (Path jar : jars) {
            if (jar.toString().contains("synergy")) {
                throw new IllegalStateException("the Spark distribution must not hold synergy's own jars: " + jar);
            }
        }
        return jars;
    }

    /** The shaded application jar (absolute); fails if `mvn package` has not built it. */
    static Path appJar() {
        Path jar = Paths.get(System.getProperty("synergy.appJar", ROOT.resolve(APP_JAR).toString()));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: the integration tests submit the shaded jar that "
                    + "`mvn package` builds (mvn verify runs them after it)");
        }
        return jar;
    }

    static Path clusterConf(String file) {
        return ROOT.resolve("cluster-conf").resolve(file);
    }

    private static Path checkoutRoot() {
        Path dir = Paths.get("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("cluster-conf"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no cluster-conf/ above " + Paths.get("").toAbsolutePath());
        }
        return dir;
    }
}
