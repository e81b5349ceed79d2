package ai.synergy.watch;

import ai.synergy.io.HadoopFiles;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.metrics.RoundMetrics;
import ai.synergy.run.RunFolder;
import ai.synergy.tensorboard.EventFileWriter;
import ai.synergy.training.EpochTimeSplit;
import ai.synergy.training.TrainingStage;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Driver side: where a run's figures go while it trains, besides the console and the run folder's logs. Every
 * averaging round and every finished epoch ({@code train}) or quantization round ({@code quantize}) is written as
 * TensorBoard scalars to a new event file in {@code <run>/}{@value RunFolder#TENSORBOARD}{@code /} (one per run start
 * or resume, so no file system needs appends; TensorBoard reads them all) and set on {@link RunGauges}. The file is
 * flushed ({@code hflush}) after every epoch or quantization round and at most every {@value #FLUSH_SECONDS} s in
 * between, so a live TensorBoard follows the run. Watching never stops training: when the event file cannot be
 * written, a warning is logged and the run goes on without it.
 *
 * <p>Tags and their steps: {@code round/*} at the run's averaging round (1-based, counted over the whole run),
 * {@code epoch/*} and {@code pruning/*} at the epoch, {@code quantize/*} at the quantization round,
 * {@code time_split/*} at either (the step's last training epoch).
 */
public final class RunWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RunWatch.class);
    /** The most seconds round scalars wait in the file's buffer. */
    static final int FLUSH_SECONDS = 30;
    /** Attempts at a free file name when another start this second took it. */
    private static final int NAME_ATTEMPTS = 100;

    private final Path file;
    private final int roundsPerPass;
    private final long imagesPerPass;
    private final long start = System.nanoTime();
    private FSDataOutputStream stream;
    private EventFileWriter events;
    private long lastFlush = System.nanoTime();
    /** False once the file system said it cannot flush an open file (some object stores): events then land at close. */
    private boolean flushable = true;
    private int roundsDone;

    private RunWatch(Path file, FSDataOutputStream stream, EventFileWriter events, int roundsPerPass,
                     long imagesPerPass) {
        this.file = file;
        this.stream = stream;
        this.events = events;
        this.roundsPerPass = roundsPerPass;
        this.imagesPerPass = imagesPerPass;
    }

    /**
     * Resets the gauges and starts a new event file in {@code runDir}.
     *
     * @param fresh         the run starts from the beginning: event files of an earlier start that never reached a
     *                      checkpoint are removed first
     * @param roundsPerPass averaging rounds per pass over the data
     * @param imagesPerPass training images per pass over all workers
     */
    public static RunWatch open(HadoopFiles files, Path runDir, boolean fresh, int roundsPerPass,
                                long imagesPerPass) {
        RunGauges.reset();
        Path dir = new Path(runDir, RunFolder.TENSORBOARD);
        FileSystem fs = files.fileSystem();
        try {
            if (fresh) {
                fs.delete(dir, true);
            }
            fs.mkdirs(dir);
            long seconds = System.currentTimeMillis() / 1000;
            String name = EventFileWriter.fileName(seconds, host());
            for (int attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
                Path file = new Path(dir, attempt == 0 ? name : name + "." + attempt);
                if (!fs.exists(file)) {
                    FSDataOutputStream stream = fs.create(file, false);
                    RunWatch watch = new RunWatch(file, stream, new EventFileWriter(stream, Clock.systemUTC()),
                            roundsPerPass, imagesPerPass);
                    watch.flush();
                    return watch;
                }
            }
            throw new IOException(NAME_ATTEMPTS + " event files named " + name + "* already exist");
        } catch (IOException | RuntimeException e) {
            log.warn("cannot write TensorBoard events to {}: {}; the run goes on without them", dir, e.toString());
            return new RunWatch(null, null, null, roundsPerPass, imagesPerPass);
        }
    }

    /** The event file; null when it could not be written. */
    public Path file() {
        return file;
    }

    /** Round {@code round} (0-based) of the run's 0-based pass {@code pass} finished. */
    public void roundDone(int pass, int round, double loss, double rate) {
        roundsDone++;
        long step = (long) pass * roundsPerPass + round + 1;
        double seconds = (System.nanoTime() - start) / 1e9;
        RunGauges.set(Gauge.ROUND, step);
        RunGauges.set(Gauge.TRAIN_LOSS, loss);
        RunGauges.set(Gauge.LEARNING_RATE, rate);
        RunGauges.set(Gauge.IMAGES_PER_SECOND, (double) roundsDone / roundsPerPass * imagesPerPass / seconds);
        Map<String, Double> scalars = new LinkedHashMap<>();
        scalars.put("round/train_loss", loss);
        scalars.put("round/learning_rate", rate);
        write(step, scalars);
        if (System.nanoTime() - lastFlush > FLUSH_SECONDS * 1_000_000_000L) {
            flush();
        }
    }

    /**
     * A {@code train} epoch finished and was checkpointed; {@code split} is its time split. Flushes the event file.
     */
    public void epochDone(EpochMetrics m, EpochTimeSplit split) {
        RunGauges.set(Gauge.EPOCH, m.epoch());
        setTest(m.testTop1(), m.testTop5());
        Map<String, Double> scalars = new LinkedHashMap<>();
        scalars.put("epoch/train_loss", m.trainLoss());
        scalars.put("epoch/learning_rate", m.learningRate());
        scalars.put("epoch/test_top1", m.testTop1());
        if (m.testTop5() != null) {
            scalars.put("epoch/test_top5", m.testTop5());
        }
        scalars.put("epoch/images_per_second", m.imagesPerSecond());
        if (m.headTop1() != null) {
            m.headTop1().forEach((head, top1) -> scalars.put("epoch/head_top1/" + head, top1));
        }
        if (m.pruning() != null) {
            double stage = TrainingStage.valueOf(m.pruning().stage().toUpperCase(Locale.ROOT)).ordinal();
            RunGauges.set(Gauge.PRUNING_STAGE, stage);
            RunGauges.set(Gauge.SPARSITY, m.pruning().sparsity());
            RunGauges.set(Gauge.ADMM_RESIDUAL, m.pruning().admmResidual() == null ? Double.NaN
                    : m.pruning().admmResidual());
            scalars.put("pruning/stage", stage);
            scalars.put("pruning/sparsity", m.pruning().sparsity());
            if (m.pruning().admmResidual() != null) {
                scalars.put("pruning/admm_residual", m.pruning().admmResidual());
            }
        }
        if (split != null) {
            scalars.putAll(timeShares(split));
        }
        write(m.epoch(), scalars);
        flush();
    }

    /**
     * A {@code quantize} round finished and was checkpointed; {@code split} is the time split of its last retraining
     * epoch, null when it retrained nothing. Flushes the event file.
     */
    public void quantizationRoundDone(RoundMetrics m, EpochTimeSplit split) {
        RunGauges.set(Gauge.QUANTIZATION_ROUND, m.round());
        RunGauges.set(Gauge.QUANTIZED_FRACTION, m.frozenFraction());
        setTest(m.testTop1(), m.testTop5());
        Map<String, Double> scalars = new LinkedHashMap<>();
        scalars.put("quantize/quantized_fraction", m.frozenFraction());
        scalars.put("quantize/test_top1", m.testTop1());
        if (m.testTop5() != null) {
            scalars.put("quantize/test_top5", m.testTop5());
        }
        if (m.trainLoss() != null) {
            scalars.put("quantize/train_loss", m.trainLoss());
            if (split != null) {
                scalars.putAll(timeShares(split));
            }
        }
        write(m.round(), scalars);
        flush();
    }

    private static void setTest(double top1, Double top5) {
        RunGauges.set(Gauge.TEST_TOP1, top1);
        RunGauges.set(Gauge.TEST_TOP5, top5 == null ? Double.NaN : top5);
    }

    /** Sets the time-share gauges and returns them as {@code time_split/*} scalars. */
    private static Map<String, Double> timeShares(EpochTimeSplit split) {
        double wall = split.wallSeconds();
        Map<String, Double> shares = new LinkedHashMap<>();
        shares.put("time_split/compute_share", share(split.computeSeconds(), wall));
        shares.put("time_split/data_share", share(split.dataSeconds(), wall));
        shares.put("time_split/averaging_share", share(split.averagingSeconds(), wall));
        shares.put("time_split/scheduling_share", share(split.schedulingSeconds(), wall));
        RunGauges.set(Gauge.COMPUTE_SHARE, shares.get("time_split/compute_share"));
        RunGauges.set(Gauge.DATA_SHARE, shares.get("time_split/data_share"));
        RunGauges.set(Gauge.AVERAGING_SHARE, shares.get("time_split/averaging_share"));
        RunGauges.set(Gauge.SCHEDULING_SHARE, shares.get("time_split/scheduling_share"));
        return shares;
    }

    private static double share(double seconds, double wall) {
        return wall > 0 ? seconds / wall : 0;
    }

    private void write(long step, Map<String, Double> scalars) {
        if (events == null) {
            return;
        }
        try {
            events.scalars(step, scalars);
        } catch (IOException | RuntimeException e) {
            stop(e);
        }
    }

    private void flush() {
        if (events == null || !flushable) {
            return;
        }
        try {
            stream.hflush();
            lastFlush = System.nanoTime();
        } catch (UnsupportedOperationException e) {
            flushable = false;
            log.info("{} cannot be flushed while open ({}): TensorBoard sees its events when the run ends or stops",
                    file, e.toString());
        } catch (IOException | RuntimeException e) {
            stop(e);
        }
    }

    private void stop(Exception e) {
        log.warn("cannot write TensorBoard events to {}: {}; the run goes on without them", file, e.toString());
        close();
    }

    @Override
    public void close() {
        if (events == null) {
            return;
        }
        try {
            events.close();
        } catch (IOException | RuntimeException e) {
            log.warn("cannot close TensorBoard event file {}: {}", file, e.toString());
        }
        events = null;
        stream = null;
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            return "localhost";
        }
    }
}
