package ai.synergy.jobs;

import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import ai.synergy.io.HadoopFiles;
import ai.synergy.prepare.IlsvrcLayout;
import ai.synergy.prepare.PrepareOptions;
import ai.synergy.prepare.ScanImage;
import ai.synergy.prepare.ScanResult;
import ai.synergy.prepare.ShardAssignment;
import ai.synergy.prepare.ShardManifest;
import ai.synergy.prepare.ShardResult;
import ai.synergy.prepare.ShardTask;
import ai.synergy.prepare.SkippedFile;
import ai.synergy.prepare.SourceImage;
import ai.synergy.prepare.WriteShard;
import ai.synergy.spark.SparkErrors;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.SerializableConfiguration;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Driver side of {@code prepare}: ILSVRC-2012 folder layout -> balanced, class-stratified JPEG shards plus
 * {@code manifest.json}, on any Hadoop file system. Two Spark passes: a scan that decodes every file on the executors
 * (bad files are counted and reported, never fatal), then one task per shard that resizes, re-encodes and writes it.
 * The run's options and scan results are kept in {@code <output>/_prepare/} until the manifest is written, so a killed
 * run is resumed by running the same command again (finished shards are kept), and a run with other options is
 * refused rather than mixed in.
 */
public final class PrepareJob {
    private static final String OPTIONS_FILE = "options.json";
    private static final String SCAN_FILE = "scan.jsonl.gz";

    /**
     * What a run produced.
     *
     * @param manifest   the manifest written, or null when the run stopped early as asked
     * @param resumed    whether the run continued an interrupted one
     * @param shardsKept shards the interrupted run had finished
     * @param seconds    wall time
     */
    public record Result(ShardManifest manifest, boolean resumed, int shardsKept, double seconds) {
    }

    private PrepareJob() {
    }

    /** Runs {@code prepare}; bad input surfaces as {@link InvalidInputException} before any shard is written. */
    public static Result run(JavaSparkContext jsc, PrepareOptions options, PrintStream console) throws IOException {
        return run(jsc, options, console, 0);
    }

    /**
     * Runs {@code prepare}, ending it as if killed after the first {@code stopAfterShards} shards when that is > 0
     * (no manifest; the work folder stays for a resume).
     */
    public static Result run(JavaSparkContext jsc, PrepareOptions options, PrintStream console, int stopAfterShards)
            throws IOException {
        long start = System.nanoTime();
        HadoopFiles out = HadoopFiles.of(options.output(), jsc.hadoopConfiguration());
        Path outDir = out.fileSystem().makeQualified(HadoopFiles.path(options.output()));
        Path work = new Path(outDir, WriteShard.WORK_DIR);
        boolean resumed = checkOutput(out, outDir, work, options);

        HadoopFiles in = HadoopFiles.of(options.input(), jsc.hadoopConfiguration());
        IlsvrcLayout layout = IlsvrcLayout.read(in, options);
        if (!resumed) {
            out.requireWritableDirectory(outDir, "--output");
            out.fileSystem().mkdirs(work);
            out.writeAtomically(new Path(work, OPTIONS_FILE), Json.write(options));
        }
        List<SourceImage> candidates = layout.images().values().stream().flatMap(List::stream).toList();
        console.printf("prepare %s: %d classes, %s candidate images, %d files skipped before decoding%n",
                options.input(), layout.classes().size(), counts(layout), layout.skipped().size());
        SerializableConfiguration hadoopConf = new SerializableConfiguration(jsc.hadoopConfiguration());
        try {
            List<ScanResult> scan = scan(jsc, out, new Path(work, SCAN_FILE), candidates, resumed);
            Map<String, List<SourceImage>> good = new TreeMap<>();
            for (ScanResult r : scan) {
                if (r.ok()) {
                    good.computeIfAbsent(r.image().split(), k -> new ArrayList<>()).add(r.image());
                }
            }
            List<ShardTask> tasks = new ArrayList<>();
            for (String split : options.splits()) {
                List<List<SourceImage>> shards = ShardAssignment.assign(good.getOrDefault(split, List.of()),
                        options.shards(), options.seed());
                for (int s = 0; s < shards.size(); s++) {
                    tasks.add(new ShardTask(split, s, options.shards(), shards.get(s), outDir.toString(),
                            options.shortSide(), options.quality(), layout.classes().size()));
                }
            }
            int kept = 0;
            for (ShardTask task : tasks) {
                kept += out.fileSystem().exists(WriteShard.doneRecord(outDir, task.fileName())) ? 1 : 0;
            }
            console.printf("writing %d shards (%d already finished by the interrupted run)%n", tasks.size(), kept);
            if (stopAfterShards > 0 && stopAfterShards < tasks.size()) {
                List<ShardTask> first = tasks.subList(0, stopAfterShards);
                jsc.parallelize(first, first.size()).map(new WriteShard(hadoopConf)).collect();
                return new Result(null, resumed, kept, (System.nanoTime() - start) / 1e9);
            }
            List<ShardResult> results = jsc.parallelize(tasks, tasks.size()).map(new WriteShard(hadoopConf)).collect();
            ShardManifest manifest = manifest(options, layout, scan, results);
            out.writeAtomically(new Path(outDir, ShardManifest.FILE), Json.write(manifest));
            out.fileSystem().delete(work, true);
            RunReport.write(out, outDir, true);
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Result(manifest, resumed, kept, seconds);
        } catch (IOException | InvalidInputException e) {
            throw e;
        } catch (Exception e) { // SparkException is checked but undeclared
            throw SparkErrors.unwrapInvalidInput(e);
        }
    }

    /**
     * Checks, writing nothing, that the output can belong to this run: a fresh or empty folder (start), the work
     * folder of a run with the same options (resume), or a clear refusal. Returns true when resuming.
     */
    private static boolean checkOutput(HadoopFiles out, Path outDir, Path work, PrepareOptions options)
            throws IOException {
        FileSystem fs = out.fileSystem();
        if (fs.exists(new Path(outDir, ShardManifest.FILE))) {
            throw new InvalidInputException("--output: " + outDir + " already holds a prepared data set ("
                    + ShardManifest.FILE + "); choose another --output (nothing was changed)");
        }
        Path optionsFile = new Path(work, OPTIONS_FILE);
        if (fs.exists(optionsFile)) {
            PrepareOptions previous = Json.read(out.readString(optionsFile), PrepareOptions.class,
                    optionsFile.toString());
            if (!previous.equals(options)) {
                throw new InvalidInputException("--output: " + outDir + " holds an unfinished prepare run with other "
                        + "options (" + Json.writeLine(previous) + "); run it again with the same options to resume "
                        + "it, or remove the folder (nothing was changed)");
            }
            return true;
        }
        if (fs.exists(outDir) && (!fs.getFileStatus(outDir).isDirectory() || fs.listStatus(outDir).length > 0)) {
            throw new InvalidInputException("--output: " + outDir + " exists and is not empty, and is not an "
                    + "unfinished prepare run; choose an empty or new folder (nothing was changed)");
        }
        return false;
    }

    /** Decodes every candidate on the executors, or reloads the interrupted run's results (same files required). */
    private static List<ScanResult> scan(JavaSparkContext jsc, HadoopFiles out, Path scanFile,
                                         List<SourceImage> candidates, boolean resumed) throws IOException {
        if (resumed && out.fileSystem().exists(scanFile)) {
            List<ScanResult> previous = readScan(out, scanFile);
            Set<SourceImage> before = new HashSet<>();
            previous.forEach(r -> before.add(r.image()));
            if (!before.equals(new HashSet<>(candidates))) {
                throw new InvalidInputException("--input: the input files changed since the interrupted run listed "
                        + "them; remove " + scanFile.getParent().getParent() + " and start again");
            }
            return previous;
        }
        int slices = Math.max(1, Math.min(candidates.size(), jsc.defaultParallelism() * 4));
        List<ScanResult> results = jsc.parallelize(candidates, slices)
                .map(new ScanImage(new SerializableConfiguration(jsc.hadoopConfiguration()))).collect();
        Path tmp = new Path(scanFile.getParent(), "." + scanFile.getName() + ".tmp");
        try (FSDataOutputStream stream = out.fileSystem().create(tmp, true);
             Writer writer = new OutputStreamWriter(new GZIPOutputStream(stream), StandardCharsets.UTF_8)) {
            for (ScanResult r : results) {
                writer.write(Json.writeLine(r));
                writer.write('\n');
            }
        }
        out.replace(tmp, scanFile);
        return results;
    }

    private static List<ScanResult> readScan(HadoopFiles out, Path scanFile) throws IOException {
        List<ScanResult> results = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(out.fileSystem().open(scanFile)), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                results.add(Json.read(line, ScanResult.class, scanFile.toString()));
            }
        }
        return results;
    }

    private static ShardManifest manifest(PrepareOptions options, IlsvrcLayout layout, List<ScanResult> scan,
                                          List<ShardResult> results) {
        int numClasses = layout.classes().size();
        Map<String, ShardManifest.Split> splits = new TreeMap<>();
        for (String split : options.splits()) {
            List<ShardResult> shards = results.stream().filter(r -> r.split().equals(split))
                    .sorted(Comparator.comparingInt(ShardResult::index)).toList();
            Integer[] perClass = new Integer[numClasses];
            Arrays.fill(perClass, 0);
            int images = 0;
            for (ShardResult shard : shards) {
                images += shard.images();
                for (int c = 0; c < numClasses; c++) {
                    perClass[c] += shard.imagesPerClass().get(c);
                }
            }
            splits.put(split, new ShardManifest.Split(images, List.of(perClass), shards));
        }
        List<SkippedFile> skipped = new ArrayList<>(layout.skipped());
        Map<String, Integer> formats = new TreeMap<>();
        double[] sums = new double[3];
        double[] squares = new double[3];
        long pixels = 0;
        for (ScanResult r : scan) {
            if (!r.ok()) {
                skipped.add(new SkippedFile(r.image().file(), r.problem(), r.detail()));
                continue;
            }
            formats.merge(r.format() == null ? "unknown" : r.format(), 1, Integer::sum);
            if ("train".equals(r.image().split())) {
                for (int c = 0; c < 3; c++) {
                    sums[c] += r.sums()[c];
                    squares[c] += r.squareSums()[c];
                }
                pixels += (long) r.width() * r.height();
            }
        }
        skipped.sort(Comparator.comparing(SkippedFile::file));
        Map<String, Integer> byReason = new TreeMap<>();
        skipped.forEach(s -> byReason.merge(s.reason(), 1, Integer::sum));
        ShardManifest.ChannelStatistics statistics = null;
        if (pixels > 0) {
            List<Double> mean = new ArrayList<>();
            List<Double> std = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                double m = sums[c] / pixels;
                mean.add(m);
                std.add(Math.sqrt(Math.max(squares[c] / pixels - m * m, 0)));
            }
            statistics = new ShardManifest.ChannelStatistics(mean, std, pixels);
        }
        int written = splits.values().stream().mapToInt(ShardManifest.Split::images).sum();
        ShardManifest.Report report = new ShardManifest.Report(scan.size() + layout.skipped().size(), written,
                byReason, skipped, formats);
        return new ShardManifest(ShardManifest.FORMAT, ProductVersion.product() + " (" + Provenance.sourceRevision() + ")",
                Instant.now().toString(), options, layout.classes(), splits, statistics, report);
    }

    private static String counts(IlsvrcLayout layout) {
        StringBuilder text = new StringBuilder();
        layout.images().forEach((split, list) -> text.append(text.length() == 0 ? "" : " + ")
                .append(list.size()).append(' ').append(split));
        return text.toString();
    }
}
