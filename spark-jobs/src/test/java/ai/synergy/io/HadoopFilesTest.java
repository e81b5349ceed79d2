package ai.synergy.io;

import ai.synergy.testing.FaultyFileSystem;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Atomic writes never replace a folder, survive a full disk without leftovers, and take any character in a path. */
class HadoopFilesTest {
    @TempDir
    java.nio.file.Path tmp;

    @AfterEach
    void heal() {
        FaultyFileSystem.heal();
    }

    @Test
    void aWriteOntoAFolderIsRefusedAndTheFolderKeepsEverything() throws Exception {
        java.nio.file.Path folder = Files.createDirectories(tmp.resolve("result.json/sub"));
        Files.writeString(folder.resolve("data.txt"), "important");
        HadoopFiles files = HadoopFiles.of(tmp.toString(), new Configuration());
        Path target = HadoopFiles.path(tmp.resolve("result.json").toString());
        assertThatThrownBy(() -> files.writeAtomically(target, "{}"))
                .isInstanceOf(HadoopFiles.TargetIsFolderException.class)
                .hasMessageContaining("result.json is a folder");
        assertThatThrownBy(() -> files.replace(HadoopFiles.path(Files.writeString(tmp.resolve("x"), "x").toString()),
                target)).isInstanceOf(HadoopFiles.TargetIsFolderException.class);
        assertThat(Files.readString(folder.resolve("data.txt"))).isEqualTo("important");
    }

    @Test
    void pathsWithSpacesAndAnyLetterAreTakenLiterally() throws Exception {
        java.nio.file.Path dir = Files.createDirectories(tmp.resolve("runs été/100% 1"));
        HadoopFiles files = HadoopFiles.of(dir.toString(), new Configuration());
        Path target = new Path(HadoopFiles.path(dir.toString()), "model.json");
        files.writeAtomically(target, "{\"a\": 1}");
        files.writeAtomically(target, "{\"a\": 2}");
        assertThat(Files.readString(dir.resolve("model.json"))).isEqualTo("{\"a\": 2}");
        assertThat(files.readString(target)).isEqualTo("{\"a\": 2}");
        // the same folder written as an encoded URI
        assertThat(files.readString(new Path(HadoopFiles.path(dir.toUri().toString()), "model.json")))
                .isEqualTo("{\"a\": 2}");
    }

    @Test
    void aFullDiskKeepsTheOldFileAndLeavesNoTemporaryFile() throws Exception {
        Configuration conf = new Configuration();
        FaultyFileSystem.install(conf);
        java.nio.file.Path dir = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(dir.resolve("metrics.jsonl"), "old\n");
        String uri = FaultyFileSystem.uri(dir);
        HadoopFiles files = HadoopFiles.of(uri, conf);
        FaultyFileSystem.failCreate(p -> p.getName().startsWith(".metrics.jsonl"));
        assertThatThrownBy(() -> files.writeAtomically(new Path(HadoopFiles.path(uri), "metrics.jsonl"), "new\n"))
                .hasMessageContaining("No space left on device");
        assertThat(Files.readString(dir.resolve("metrics.jsonl"))).isEqualTo("old\n");
        try (Stream<java.nio.file.Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("metrics.jsonl");
        }
    }

    @Test
    void createNewCreatesOnlyOnce() throws Exception {
        HadoopFiles files = HadoopFiles.of(tmp.toString(), new Configuration());
        Path lock = HadoopFiles.path(tmp.resolve("a/lock").toString());
        assertThat(files.createNew(lock, new byte[]{1})).isTrue();
        assertThat(files.createNew(lock, new byte[]{2})).isFalse();
        assertThat(Files.readAllBytes(tmp.resolve("a/lock"))).containsExactly(1);
    }
}
