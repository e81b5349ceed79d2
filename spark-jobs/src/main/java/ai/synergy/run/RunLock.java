package ai.synergy.run;

import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import ai.synergy.io.HadoopFiles;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.util.ShutdownHookManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Driver side: the lock a job holds on its run folder while it writes there, so two jobs never write one run.
 *
 * <p>The lock is a file created only if absent (atomic on the local file system and HDFS) holding its owner's host,
 * process id and start time. The owner touches it every {@link #HEARTBEAT}. A lock whose owner is gone does not stay
 * stuck: on the same host a lock whose process no longer exists is taken over at once; from another host (a YARN or
 * Kubernetes driver that was lost) a lock untouched for {@link #staleAfter()} is. Releasing deletes the file; a JVM
 * that is shut down (SIGTERM, Ctrl-C) releases it from a shutdown hook.
 */
public final class RunLock implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RunLock.class);
    /** How often the owner touches the lock file. */
    public static final Duration HEARTBEAT = Duration.ofSeconds(10);
    /** System property: seconds without a touch after which a lock from another host counts as abandoned. */
    public static final String STALE_AFTER_PROPERTY = "synergy.lock.staleSeconds";
    private static final long DEFAULT_STALE_SECONDS = 60;

    /**
     * Who holds a lock.
     *
     * @param host      host name of the owner's JVM
     * @param pid       its process id
     * @param job       the job, e.g. {@code train}
     * @param startedAt ISO-8601 time the lock was taken
     * @param token     random identity of this holding
     */
    public record Owner(String host, long pid, String job, String startedAt, String token) {
        static Owner ofThisProcess(String job) {
            return new Owner(localHost(), ProcessHandle.current().pid(), job, Instant.now().toString(),
                    UUID.randomUUID().toString());
        }

        /** True when the owner ran on this host and its process has ended. */
        boolean isGoneOnThisHost() {
            return host.equals(localHost()) && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
        }
    }

    private final HadoopFiles files;
    private final Path file;
    private final Owner owner;
    private final ScheduledExecutorService heartbeat;
    private final Runnable shutdownRelease = this::close;
    private boolean released;

    private RunLock(HadoopFiles files, Path file, Owner owner) {
        this.files = files;
        this.file = file;
        this.owner = owner;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "synergy-run-lock-heartbeat");
            t.setDaemon(true);
            return t;
        });
        heartbeat.scheduleWithFixedDelay(this::touch, HEARTBEAT.toSeconds(), HEARTBEAT.toSeconds(), TimeUnit.SECONDS);
        // before Hadoop closes its file systems at shutdown (higher priority runs first)
        ShutdownHookManager.get().addShutdownHook(shutdownRelease, FileSystem.SHUTDOWN_HOOK_PRIORITY + 30);
    }

    /**
     * Takes the lock {@code file} for {@code job}, taking over an abandoned one.
     *
     * @param flag the flag that named the folder, for the message when another live run holds it
     * @param wait how long to wait for a held lock to be released or to go stale (zero: refuse at once); a restarted
     *             driver waits for the lock of the one it replaces
     * @throws InvalidInputException when a live run holds it
     */
    public static RunLock acquire(HadoopFiles files, Path file, String job, String flag, Duration wait)
            throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            try {
                return tryAcquire(files, file, job, flag);
            } catch (InvalidInputException held) {
                if (System.nanoTime() >= deadline) {
                    throw held;
                }
                log.info("{} is held by another run; waiting up to {} s for it to end or go stale", file,
                        Math.max(1, (deadline - System.nanoTime()) / 1_000_000_000L));
                try {
                    Thread.sleep(Math.min(HEARTBEAT.toMillis(), Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw held;
                }
            }
        }
    }

    private static RunLock tryAcquire(HadoopFiles files, Path file, String job, String flag) throws IOException {
        Owner me = Owner.ofThisProcess(job);
        byte[] content = Json.write(me).getBytes(StandardCharsets.UTF_8);
        for (int attempt = 0; attempt < 2; attempt++) {
            if (files.createNew(file, content)) {
                return new RunLock(files, file, me);
            }
            Optional<FileStatus> status = status(files, file);
            if (status.isEmpty()) {
                continue; // released between our two looks
            }
            Optional<Owner> holder = readOwner(files, file);
            Duration silent = Duration.ofMillis(Math.max(0, System.currentTimeMillis()
                    - status.get().getModificationTime()));
            boolean gone = holder.map(Owner::isGoneOnThisHost).orElse(false);
            if (!gone && silent.compareTo(staleAfter()) < 0) {
                throw new InvalidInputException(flag + ": " + file.getParent() + " is in use by another synergy run ("
                        + holder.map(h -> h.job() + " started " + h.startedAt() + " on " + h.host() + ", pid "
                        + h.pid()).orElse("owner unreadable") + ", last alive " + silent.toSeconds() + " s ago); wait "
                        + "for it to end. If that run is gone, its lock frees itself " + staleAfter().toSeconds()
                        + " s after its last sign of life, or delete " + file + " (nothing was changed)");
            }
            log.warn("taking over the lock {} of a run that is gone ({}; last alive {} s ago)", file,
                    holder.map(Owner::toString).orElse("owner unreadable"), silent.toSeconds());
            Path aside = new Path(file.getParent(), file.getName() + ".abandoned-" + UUID.randomUUID());
            if (files.fileSystem().rename(file, aside)) { // only one taker can move it
                files.fileSystem().delete(aside, false);
            }
        }
        throw new InvalidInputException(flag + ": cannot take the lock " + file + ": another run took it at the same "
                + "moment; try again");
    }

    /** Seconds of silence after which a lock from another host counts as abandoned ({@value #STALE_AFTER_PROPERTY}). */
    public static Duration staleAfter() {
        return Duration.ofSeconds(Long.getLong(STALE_AFTER_PROPERTY, DEFAULT_STALE_SECONDS));
    }

    /** Stops the heartbeat and deletes the lock file if it is still this holding's. Idempotent. */
    @Override
    public synchronized void close() {
        if (released) {
            return;
        }
        released = true;
        heartbeat.shutdownNow();
        if (!ShutdownHookManager.get().isShutdownInProgress()) {
            ShutdownHookManager.get().removeShutdownHook(shutdownRelease);
        }
        try {
            if (readOwner(files, file).map(o -> o.token().equals(owner.token())).orElse(false)) {
                files.fileSystem().delete(file, false);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("could not delete the run lock {} ({}); the next run takes it over once it is stale", file,
                    e.toString());
        }
    }

    private void touch() {
        try {
            files.touch(file);
        } catch (IOException | RuntimeException e) {
            log.warn("could not refresh the run lock {} ({})", file, e.toString());
        }
    }

    private static Optional<FileStatus> status(HadoopFiles files, Path file) throws IOException {
        try {
            return Optional.of(files.fileSystem().getFileStatus(file));
        } catch (FileNotFoundException e) {
            return Optional.empty();
        }
    }

    private static Optional<Owner> readOwner(HadoopFiles files, Path file) {
        try {
            return Optional.of(Json.read(files.readString(file), Owner.class, file.toString()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // absent, or cut short by a kill between create and write
        }
    }

    private static String localHost() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return System.getenv().getOrDefault("HOSTNAME", "unknown-host");
        }
    }
}
