package ai.synergy.run;

import ai.synergy.checkpoint.CheckpointStore;
import ai.synergy.io.HadoopFiles;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a job may do with a run folder: foreign files refused before anything is written, one command continuing each
 * state a killed job leaves, a lock no second job gets while the first lives and that a dead job does not leave stuck.
 */
class RunFolderTest {
    @TempDir
    java.nio.file.Path tmp;

    record State(int done) {
    }

    HadoopFiles files;

    HadoopFiles files() {
        if (files == null) {
            files = HadoopFiles.of(tmp.toString(), new Configuration());
        }
        return files;
    }

    RunFolder claim(java.nio.file.Path out, boolean resume) throws IOException {
        return claim(out, RunFolder.Job.TRAIN, resume);
    }

    RunFolder claim(java.nio.file.Path out, RunFolder.Job job, boolean resume) throws IOException {
        return claim(out, job, RunFolder.Resume.of(resume));
    }

    RunFolder claim(java.nio.file.Path out, RunFolder.Job job, RunFolder.Resume resume) throws IOException {
        Path dir = HadoopFiles.path(out.toString());
        return RunFolder.claim(files(), dir, job, new CheckpointStore<>(files(), dir, "epoch", State.class), resume,
                "--out");
    }

    /** What a checkpoint rename leaves: a complete checkpoint folder. */
    static void completeCheckpoint(java.nio.file.Path out, int epoch) throws IOException {
        java.nio.file.Path cp = Files.createDirectories(out.resolve("checkpoints").resolve(String.format("epoch-%04d",
                epoch)));
        Files.writeString(cp.resolve("model.zip"), "zip");
        Files.writeString(cp.resolve("state.json"), Json.write(new State(epoch)));
    }

    static List<String> listing(java.nio.file.Path dir) throws IOException {
        try (Stream<java.nio.file.Path> all = Files.walk(dir)) {
            return all.map(p -> dir.relativize(p) + (Files.isDirectory(p) ? "/" : " " + p.toFile().length())).sorted()
                    .toList();
        }
    }

    @Test
    void aNewOrEmptyFolderStartsFreshAndIsMarkedAndLockedUntilClosed() throws Exception {
        java.nio.file.Path out = tmp.resolve("new");
        try (RunFolder folder = claim(out, false)) {
            assertThat(folder.start()).isEqualTo(RunFolder.Start.FRESH);
            assertThat(out.resolve(RunFolder.MARKER)).exists();
            assertThat(out.resolve(RunFolder.LOCK)).exists();
            RunFolder.Marker marker = Json.read(Files.readString(out.resolve(RunFolder.MARKER)), RunFolder.Marker.class,
                    "marker");
            assertThat(marker.job()).isEqualTo("train");
            assertThat(marker.finished()).isFalse();
        }
        assertThat(out.resolve(RunFolder.LOCK)).doesNotExist();

        java.nio.file.Path empty = Files.createDirectories(tmp.resolve("empty"));
        try (RunFolder folder = claim(empty, false)) {
            assertThat(folder.start()).isEqualTo(RunFolder.Start.FRESH);
        }
    }

    @Test
    void aFolderWithTheUsersOwnFilesIsRefusedAndLeftExactlyAsItWas() throws Exception {
        java.nio.file.Path out = Files.createDirectories(tmp.resolve("mine"));
        Files.writeString(out.resolve("report.md"), "my notes");
        Files.createDirectories(out.resolve("metrics.jsonl")).resolve("x").toFile().createNewFile();
        List<String> before = listing(out);
        for (boolean resume : new boolean[]{false, true}) {
            assertThatThrownBy(() -> claim(out, resume))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("--out").hasMessageContaining("not a synergy train run")
                    .hasMessageContaining("metrics.jsonl, report.md").hasMessageContaining("nothing was changed");
            assertThat(listing(out)).isEqualTo(before);
        }
    }

    @Test
    void aRunOfAnotherJobIsRefused() throws Exception {
        java.nio.file.Path out = tmp.resolve("quantized");
        claim(out, RunFolder.Job.QUANTIZE, false).close();
        assertThatThrownBy(() -> claim(out, RunFolder.Job.TRAIN, false))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("holds a quantize run");
    }

    @Test
    void aRunKilledBeforeItsFirstCheckpointIsStartedOverByEitherCommandAndItsLeftoversGo() throws Exception {
        java.nio.file.Path out = tmp.resolve("killed-early");
        claim(out, false).close();
        // what a kill in the middle of the first checkpoint and of an atomic write leaves
        java.nio.file.Path half = Files.createDirectories(out.resolve("checkpoints/.tmp-epoch-0001-1234"));
        Files.writeString(half.resolve("model.zip"), "half a zip");
        Files.writeString(out.resolve(".metrics.jsonl.tmp-5678"), "half");
        for (boolean resume : new boolean[]{true, false}) {
            try (RunFolder folder = claim(out, resume)) {
                assertThat(folder.start()).isEqualTo(RunFolder.Start.FRESH);
                assertThat(half).doesNotExist();
                assertThat(out.resolve(".metrics.jsonl.tmp-5678")).doesNotExist();
            }
        }
    }

    @Test
    void aCheckpointedRunNeedsResumeAndAFinishedOneIsLeftAlone() throws Exception {
        java.nio.file.Path out = tmp.resolve("checkpointed");
        claim(out, false).close();
        completeCheckpoint(out, 1);
        assertThatThrownBy(() -> claim(out, false))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("unfinished train run").hasMessageContaining("epoch-0001")
                .hasMessageContaining("pass --resume");
        try (RunFolder folder = claim(out, true)) {
            assertThat(folder.start()).isEqualTo(RunFolder.Start.RESUME);
            folder.markFinished();
        }
        for (boolean resume : new boolean[]{false, true}) {
            assertThatThrownBy(() -> claim(out, resume))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("holds a finished train run");
        }
    }

    @Test
    void resumeOfAFolderWithoutARunSaysToStartOne() {
        assertThatThrownBy(() -> claim(tmp.resolve("nothing"), true))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--resume").hasMessageContaining("holds no train run to resume")
                .hasMessageContaining("without --resume");
    }

    @Test
    void runsFromBeforeMarkersAreRecognisedByTheirCheckpoints() throws Exception {
        java.nio.file.Path out = tmp.resolve("legacy");
        completeCheckpoint(out, 2);
        Files.writeString(out.resolve("metrics.jsonl"), "{}\n");
        try (RunFolder folder = claim(out, true)) {
            assertThat(folder.start()).isEqualTo(RunFolder.Start.RESUME);
            assertThat(out.resolve(RunFolder.MARKER)).exists();
        }
    }

    @Test
    void aSecondJobOnALiveRunIsRefusedAndTheFirstKeepsItsLock() throws Exception {
        java.nio.file.Path out = tmp.resolve("live");
        try (RunFolder first = claim(out, false)) {
            completeCheckpoint(out, 1);
            byte[] lock = Files.readAllBytes(out.resolve(RunFolder.LOCK));
            assertThatThrownBy(() -> claim(out, true))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("in use by another synergy run")
                    .hasMessageContaining("pid " + ProcessHandle.current().pid());
            assertThat(Files.readAllBytes(out.resolve(RunFolder.LOCK))).isEqualTo(lock);
        }
    }

    @Test
    void theLockOfAKilledJobOnThisHostIsTakenOverAtOnce() throws Exception {
        java.nio.file.Path out = tmp.resolve("killed");
        claim(out, false).close();
        completeCheckpoint(out, 1);
        Process gone = new ProcessBuilder("true").start();
        assertThat(gone.waitFor()).isZero();
        RunLock.Owner dead = new RunLock.Owner(java.net.InetAddress.getLocalHost().getHostName(), gone.pid(), "train",
                "2026-01-01T00:00:00Z", "t");
        Files.writeString(out.resolve(RunFolder.LOCK), Json.write(dead)); // what kill -9 leaves: a fresh lock file
        try (RunFolder folder = claim(out, true)) {
            assertThat(folder.start()).isEqualTo(RunFolder.Start.RESUME);
        }
    }

    @Test
    void aLockFromAnotherHostFreesItselfOnlyAfterItsOwnerFellSilent() throws Exception {
        java.nio.file.Path out = tmp.resolve("remote");
        claim(out, false).close();
        completeCheckpoint(out, 1);
        RunLock.Owner remote = new RunLock.Owner("driver-host-that-is-not-this-one", 1, "train",
                "2026-01-01T00:00:00Z", "t");
        java.nio.file.Path lock = Files.writeString(out.resolve(RunFolder.LOCK), Json.write(remote));
        assertThatThrownBy(() -> claim(out, true))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("driver-host-that-is-not-this-one").hasMessageContaining("delete " );
        // silent for longer than the staleness limit: the driver that held it is gone
        Files.setLastModifiedTime(lock, FileTime.fromMillis(System.currentTimeMillis()
                - RunLock.staleAfter().toMillis() - 1000));
        try (RunFolder folder = claim(out, true)) {
            assertThat(folder.start()).isEqualTo(RunFolder.Start.RESUME);
        }
        assertThat(lock).doesNotExist();
    }

    @Test
    void resumeAutoStartsResumesOrFindsTheRunDoneWithoutAPerson() throws Exception {
        java.nio.file.Path out = tmp.resolve("auto");
        try (RunFolder folder = claim(out, RunFolder.Job.TRAIN, RunFolder.Resume.AUTO)) {
            assertThat(folder.start()).isEqualTo(RunFolder.Start.FRESH);
        }
        try (RunFolder folder = claim(out, RunFolder.Job.TRAIN, RunFolder.Resume.AUTO)) {
            assertThat(folder.start()).isEqualTo(RunFolder.Start.FRESH); // killed before its first checkpoint
        }
        completeCheckpoint(out, 1);
        try (RunFolder folder = claim(out, RunFolder.Job.TRAIN, RunFolder.Resume.AUTO)) {
            assertThat(folder.start()).isEqualTo(RunFolder.Start.RESUME);
            folder.markFinished();
        }
        try (RunFolder folder = claim(out, RunFolder.Job.TRAIN, RunFolder.Resume.AUTO)) {
            assertThat(folder.start()).isEqualTo(RunFolder.Start.FINISHED);
        }
        assertThatThrownBy(() -> RunFolder.Resume.parse("sometimes"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--resume: unknown value 'sometimes'");
    }

    @Test
    void resumeAutoWaitsForTheLockOfTheDriverItReplacesToGoStale() throws Exception {
        java.nio.file.Path out = tmp.resolve("restarted");
        claim(out, false).close();
        completeCheckpoint(out, 1);
        String before = System.getProperty(RunLock.STALE_AFTER_PROPERTY);
        System.setProperty(RunLock.STALE_AFTER_PROPERTY, "2");
        try {
            // the lost driver ran on another host and touched its lock just now (a plain --resume is refused at once:
            // aLockFromAnotherHostFreesItselfOnlyAfterItsOwnerFellSilent)
            Files.writeString(out.resolve(RunFolder.LOCK), Json.write(new RunLock.Owner("lost-driver-host", 1,
                    "train", "2026-01-01T00:00:00Z", "t")));
            try (RunFolder folder = claim(out, RunFolder.Job.TRAIN, RunFolder.Resume.AUTO)) {
                assertThat(folder.start()).isEqualTo(RunFolder.Start.RESUME);
            }
        } finally {
            if (before == null) {
                System.clearProperty(RunLock.STALE_AFTER_PROPERTY);
            } else {
                System.setProperty(RunLock.STALE_AFTER_PROPERTY, before);
            }
        }
    }

    @Test
    void anUnreadableNewestCheckpointNamesTheOlderOneToResumeFrom() throws Exception {
        java.nio.file.Path out = tmp.resolve("corrupt");
        completeCheckpoint(out, 1);
        completeCheckpoint(out, 2);
        Files.writeString(out.resolve("checkpoints/epoch-0002/state.json"), "{\"done\": ");
        Path dir = HadoopFiles.path(out.toString());
        CheckpointStore<State> store = new CheckpointStore<>(files(), dir, "epoch", State.class);
        assertThatThrownBy(store::latest)
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("epoch-0002/state.json")
                .hasMessageContaining("the older checkpoint").hasMessageContaining("epoch-0001 is complete")
                .hasMessageContaining("rerun with --resume");
    }

    @Test
    void aFileWhereTheFolderShouldBeIsRefused() throws Exception {
        java.nio.file.Path file = Files.writeString(tmp.resolve("a-file"), "keep");
        assertThatThrownBy(() -> claim(file, false))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("is a file");
        assertThat(Files.readString(file)).isEqualTo("keep");
    }
}
