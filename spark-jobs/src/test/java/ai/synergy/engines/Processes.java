package ai.synergy.engines;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The processes a test class starts (this JVM's descendants: spark-submit JVMs, drivers, YARN containers, standalone
 * masters, workers and executors) and the addresses they listen on, read from Linux's {@code /proc}.
 */
final class Processes {
    private Processes() {
    }

    /** The full command line of a process ({@code /proc/<pid>/cmdline}), or "" once it has gone. */
    static String commandLine(ProcessHandle p) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", String.valueOf(p.pid()), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip();
        } catch (IOException gone) {
            return "";
        }
    }

    /**
     * Live Java processes among this JVM's descendants whose command line contains {@code fragment} (not the shells
     * that YARN starts them from, whose command line names the same class).
     */
    static List<ProcessHandle> javaMatching(String fragment) {
        return ProcessHandle.current().descendants().filter(Processes::isRunning).filter(p -> {
            String line = commandLine(p);
            String program = line.split(" ", 2)[0];
            return (program.equals("java") || program.endsWith("/java")) && line.contains(fragment);
        }).toList();
    }

    /** Alive and not a zombie (a process that has ended but that its parent has not reaped yet). */
    static boolean isRunning(ProcessHandle p) {
        if (!p.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(p.pid()), "stat"));
            // pid (comm) state ...: the state follows the last ')'
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException | RuntimeException gone) {
            return false;
        }
    }

    /** Polls {@code condition} every 200 ms until it holds; fails naming {@code what} after {@code timeout}. */
    static void awaitTrue(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + timeout.toSeconds() + " s for " + what);
            }
            MiniHadoop.sleep(Duration.ofMillis(200));
        }
    }

    /** CPU time a process has used (user + system), in clock ticks ({@code /proc/<pid>/stat}); -1 once gone. */
    static long cpuTicks(ProcessHandle p) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(p.pid()), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after "pid (comm) ": state is f[0], utime and stime are fields 14 and 15 of the full line
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException gone) {
            return -1;
        }
    }

    /**
     * Waits (bounded) until one of {@code processes} computes: it used at least half a core over {@code window}
     * (an executor running a training task; an idle one uses next to none). Returns that process.
     */
    static ProcessHandle awaitBusy(List<ProcessHandle> processes, Duration window, Duration timeout) {
        long ticksPerSecond = 100; // USER_HZ on Linux
        long threshold = Math.max(2, window.toMillis() * ticksPerSecond / 1000 / 2);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long[] before = processes.stream().mapToLong(Processes::cpuTicks).toArray();
            MiniHadoop.sleep(window);
            for (int i = 0; i < processes.size(); i++) {
                long now = cpuTicks(processes.get(i));
                if (before[i] >= 0 && now - before[i] >= threshold) {
                    return processes.get(i);
                }
            }
        }
        throw new AssertionError("none of " + processes + " was busy within " + timeout.toSeconds() + " s");
    }

    /** SIGKILL, then a bounded wait for the process to be gone. */
    static void kill(ProcessHandle p) {
        p.destroyForcibly();
        awaitTrue(() -> !isRunning(p), Duration.ofSeconds(30), "process " + p.pid() + " to end after SIGKILL");
    }

    /** The TCP addresses ({@code host:port}) a process listens on. */
    static List<String> listening(long pid) {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException closed) {
                    // the descriptor was closed while we looked
                }
            }
        } catch (IOException gone) {
            return List.of();
        }
        List<String> addresses = new ArrayList<>();
        for (String table : List.of("tcp", "tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "net", table))) {
                    String[] f = line.trim().split("\\s+");
                    // sl local_address rem_address st ... inode (field 9); st 0A = LISTEN
                    if (f.length > 9 && "0A".equals(f[3]) && inodes.contains(f[9])) {
                        addresses.add(decode(f[1]));
                    }
                }
            } catch (IOException gone) {
                return addresses;
            }
        }
        return addresses;
    }

    /** {@code 0100007F:1F90} (tcp) or 32 hex digits + port (tcp6), words in host (little-endian) order. */
    static String decode(String hexAddress) {
        String[] parts = hexAddress.split(":");
        String hex = parts[0];
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < hex.length() / 8; word++) {
            long value = Long.parseLong(hex.substring(word * 8, word * 8 + 8), 16);
            for (int b = 0; b < 4; b++) {
                bytes[word * 4 + b] = (byte) (value >>> (8 * b));
            }
        }
        try {
            return InetAddress.getByAddress(bytes).getHostAddress() + ":" + Integer.parseInt(parts[1], 16);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isLoopback(String hostPort) {
        String host = hostPort.substring(0, hostPort.lastIndexOf(':'));
        return host.equals("127.0.0.1") || host.startsWith("127.");
    }

    /**
     * Samples this JVM's descendants every {@code period} while a test class runs: every process seen, and every
     * listening address of this JVM or a descendant that is not on 127.0.0.1.
     */
    static final class Watch implements AutoCloseable {
        private final Set<ProcessHandle> before;
        private final Set<ProcessHandle> seen = ConcurrentHashMap.newKeySet();
        private final Set<String> offLoopback = ConcurrentHashMap.newKeySet();
        private final Set<String> listeningSeen = ConcurrentHashMap.newKeySet();
        private final Thread sampler;
        private volatile boolean running = true;

        Watch(Duration period) {
            before = Set.copyOf(ProcessHandle.current().descendants().toList());
            sampler = new Thread(() -> {
                while (running) {
                    sample();
                    MiniHadoop.sleep(period);
                }
            }, "process-watch");
            sampler.setDaemon(true);
            sampler.start();
        }

        /** Takes a sample now (also done every period). */
        void sample() {
            List<ProcessHandle> all = new ArrayList<>();
            all.add(ProcessHandle.current());
            ProcessHandle.current().descendants().forEach(all::add);
            for (ProcessHandle p : all) {
                if (p.pid() != ProcessHandle.current().pid() && !before.contains(p)) {
                    seen.add(p);
                }
                for (String address : listening(p.pid())) {
                    listeningSeen.add(address);
                    if (!isLoopback(address)) {
                        offLoopback.add(address + " (pid " + p.pid() + ": " + abbreviate(commandLine(p)) + ")");
                    }
                }
            }
        }

        /** Processes started since the watch began (this JVM's descendants then excluded). */
        Set<ProcessHandle> started() {
            return Set.copyOf(seen);
        }

        /** Listening addresses seen that were not on 127.0.0.1, with the process that held each. */
        Set<String> offLoopback() {
            return Set.copyOf(offLoopback);
        }

        /** Every listening address seen. */
        Set<String> listeningSeen() {
            return Set.copyOf(listeningSeen);
        }

        /** Waits up to {@code timeout} for every process seen to be gone; returns those still alive. */
        /**
         * The end of a test class: waits (bounded) for every process started under watch to end, kills and names the
         * leftovers, stops watching, and asserts that none was left and that nothing listened off 127.0.0.1.
         */
        void assertCleanEnd() {
            Set<ProcessHandle> alive = awaitAllGone(Duration.ofSeconds(30));
            List<String> leftovers = killLeftovers(alive);
            close();
            org.assertj.core.api.Assertions.assertThat(leftovers).as("processes still running at the end").isEmpty();
            org.assertj.core.api.Assertions.assertThat(offLoopback()).as("listening sockets not on 127.0.0.1")
                    .isEmpty();
        }

        Set<ProcessHandle> awaitAllGone(Duration timeout) {
            sample();
            long deadline = System.nanoTime() + timeout.toNanos();
            Set<ProcessHandle> alive = new LinkedHashSet<>(seen);
            while (true) {
                alive.removeIf(p -> !isRunning(p));
                if (alive.isEmpty() || System.nanoTime() > deadline) {
                    return alive;
                }
                MiniHadoop.sleep(Duration.ofMillis(200));
            }
        }

        @Override
        public void close() {
            running = false;
            try {
                sampler.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Kills (SIGKILL) what is left, for a test that failed half-way; returns their command lines. */
        List<String> killLeftovers(Collection<ProcessHandle> alive) {
            List<String> lines = new ArrayList<>();
            for (ProcessHandle p : alive) {
                lines.add(p.pid() + ": " + abbreviate(commandLine(p)));
                p.destroyForcibly();
            }
            return lines;
        }
    }

    static String abbreviate(String commandLine) {
        // the class path makes command lines unreadable: keep the main class and what follows
        String s = commandLine.replaceAll("-cp \\S+|-classpath \\S+", "-cp ...");
        return s.length() > 400 ? s.substring(0, 400) + "..." : s;
    }
}
