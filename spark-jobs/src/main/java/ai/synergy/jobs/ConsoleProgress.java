package ai.synergy.jobs;

import java.io.PrintStream;

/** Driver side: the console progress line of a training loop, at most every 10 seconds and at each pass's end. */
final class ConsoleProgress {
    private final PrintStream console;
    private final String unit;
    private final int passesToRun;
    private final int rounds;
    private final long imagesPerPass;
    private final long start = System.nanoTime();
    private long lastPrint = System.nanoTime();
    private int roundsDone;

    /**
     * @param unit          what a pass is called on the line ("epoch")
     * @param passesToRun   passes over the data this run will make
     * @param rounds        averaging rounds per pass
     * @param imagesPerPass training images per pass over all workers
     */
    ConsoleProgress(PrintStream console, String unit, int passesToRun, int rounds, long imagesPerPass) {
        this.console = console;
        this.unit = unit;
        this.passesToRun = passesToRun;
        this.rounds = rounds;
        this.imagesPerPass = imagesPerPass;
    }

    /** Round {@code round} (0-based) of 0-based pass {@code pass} finished. */
    void roundDone(int pass, int round, double loss, double rate) {
        roundsDone++;
        long now = System.nanoTime();
        if (now - lastPrint < 10_000_000_000L && round + 1 < rounds) {
            return;
        }
        lastPrint = now;
        double seconds = (now - start) / 1e9;
        double images = (double) roundsDone / rounds * imagesPerPass;
        long total = (long) passesToRun * rounds;
        double eta = seconds / roundsDone * (total - roundsDone);
        console.printf("  %s %d round %d/%d  loss %.4f  lr %.5f  %.0f images/s  ETA %s%n", unit, pass + 1,
                round + 1, rounds, loss, rate, images / seconds, formatDuration(eta));
    }

    /** H:MM:SS. */
    static String formatDuration(double seconds) {
        long s = Math.round(seconds);
        return String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
