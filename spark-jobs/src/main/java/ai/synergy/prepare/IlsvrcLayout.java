package ai.synergy.prepare;

import ai.synergy.config.InvalidInputException;
import ai.synergy.io.HadoopFiles;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Driver side: reads the ILSVRC-2012 folder layout from any Hadoop file system, without opening an image: the synset
 * list (class index = line order, as {@code LOC_synset_mapping.txt} is sorted by wnid), {@code train/<wnid>/*} and
 * {@code val/*} with labels from {@code LOC_val_solution.csv} or from {@code ILSVRC2012_validation_ground_truth.txt}
 * plus a synset order file. Files that cannot get a label are reported, not fatal; a missing root, split folder or
 * label file is.
 *
 * <p>Symbolic links below the root are never followed: a linked file or folder is skipped and reported
 * ({@link #SYMLINK}), a linked split folder or label file found in the root is refused. A link can point out of
 * {@code --input} (an archive's link to {@code /etc/passwd} put that file's first bytes into the report), and its
 * target is resolved again whenever it is read, by executors and possibly much later, so checking where it points at
 * listing time would not bind what gets packed. {@code --input} itself may be a link, and files named by flags are
 * read as given.
 *
 * @param classes the synsets, in class index order
 * @param images  every candidate image with its label, per split, sorted by file
 * @param skipped files left out before decoding (unknown synset folder, no ground truth, not in a class folder)
 */
public record IlsvrcLayout(List<SynsetClass> classes, Map<String, List<SourceImage>> images,
                           List<SkippedFile> skipped) {

    /** Names of the label files looked for in the input root when {@code --val-labels} is not given. */
    public static final String LOC_VAL_SOLUTION = "LOC_val_solution.csv";
    /** The devkit's ground truth: line i is the 1-based class id of {@code ILSVRC2012_val_<i>}. */
    public static final String VAL_GROUND_TRUTH = "ILSVRC2012_validation_ground_truth.txt";
    /** The synset list looked for in the input root when {@code --synsets} is not given. */
    public static final String SYNSET_MAPPING = "LOC_synset_mapping.txt";

    /** The reason of a skipped symbolic link. */
    public static final String SYMLINK = "SYMLINK";

    /** One class. */
    public record SynsetClass(int index, String wnid, String name) implements Serializable {
    }

    /** Lists the layout described by {@code options}. */
    public static IlsvrcLayout read(HadoopFiles files, PrepareOptions options) throws IOException {
        FileSystem fs = files.fileSystem();
        Path root = fs.makeQualified(HadoopFiles.path(options.input()));
        requireNonEmptyFolder(fs, root);
        Path synsetsFile = options.synsets() != null ? HadoopFiles.path(options.synsets())
                : refuseLink(fs, new Path(root, SYNSET_MAPPING), "pass it with --synsets");
        files.requireNonEmptyFile(synsetsFile, "--synsets", " (the class list, e.g. " + SYNSET_MAPPING + ")");
        List<SynsetClass> classes = parseSynsets(files.readString(synsetsFile), synsetsFile.toString());
        Map<String, Integer> classOf = new HashMap<>();
        for (SynsetClass c : classes) {
            classOf.put(c.wnid(), c.index());
        }
        Map<String, List<SourceImage>> images = new LinkedHashMap<>();
        List<SkippedFile> skipped = new ArrayList<>();
        for (String split : options.splits()) {
            Path folder = refuseLink(fs, new Path(root, split), "give --input the real layout");
            if (!fs.exists(folder) || !fs.getFileStatus(folder).isDirectory()) {
                throw new InvalidInputException("--input: " + folder + " is missing (the ILSVRC-2012 layout has "
                        + ("train".equals(split) ? "train/<wnid>/*.JPEG" : "val/*.JPEG")
                        + "); to prepare other splits only, pass --splits");
            }
            List<SourceImage> list = "train".equals(split)
                    ? listTrain(fs, root, folder, classOf, skipped)
                    : listVal(files, options, root, folder, classes, classOf, skipped);
            images.put(split, list);
        }
        return new IlsvrcLayout(classes, images, skipped);
    }

    private static void requireNonEmptyFolder(FileSystem fs, Path root) throws IOException {
        try {
            FileStatus status = fs.getFileStatus(root);
            if (!status.isDirectory()) {
                throw new InvalidInputException("--input: " + root + " is not a folder");
            }
        } catch (FileNotFoundException e) {
            throw new InvalidInputException("--input: " + root + " does not exist", e);
        }
        if (fs.listStatus(root).length == 0) {
            throw new InvalidInputException("--input: " + root + " is empty (expected the ILSVRC-2012 layout: "
                    + SYNSET_MAPPING + ", train/<wnid>/*.JPEG, val/*.JPEG)");
        }
    }

    /** Parses a synset list: one class per line, {@code <wnid>[ <name>]}; duplicates and blank files are refused. */
    static List<SynsetClass> parseSynsets(String text, String source) {
        List<SynsetClass> classes = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            int space = line.indexOf(' ');
            String wnid = space < 0 ? line : line.substring(0, space);
            String name = space < 0 ? wnid : line.substring(space + 1).strip();
            if (!seen.add(wnid)) {
                throw new InvalidInputException("--synsets: " + source + " line " + (i + 1) + " repeats " + wnid);
            }
            classes.add(new SynsetClass(classes.size(), wnid, name));
        }
        if (classes.size() < 2) {
            throw new InvalidInputException("--synsets: " + source + " lists " + classes.size()
                    + " classes; at least 2 are needed");
        }
        return List.copyOf(classes);
    }

    private static List<SourceImage> listTrain(FileSystem fs, Path root, Path folder, Map<String, Integer> classOf,
                                               List<SkippedFile> skipped) throws IOException {
        List<SourceImage> images = new ArrayList<>();
        for (FileStatus entry : sorted(fs.listStatus(folder))) {
            if (skipLink(entry, root, skipped)) {
                continue;
            }
            if (!entry.isDirectory()) {
                skipped.add(new SkippedFile(relative(root, entry.getPath()), "NOT_IN_CLASS_FOLDER",
                        "training images belong in train/<wnid>/"));
                continue;
            }
            String wnid = entry.getPath().getName();
            Integer label = classOf.get(wnid);
            for (FileStatus file : sorted(fs.listStatus(entry.getPath()))) {
                if (skipLink(file, root, skipped) || file.isDirectory()) {
                    continue;
                }
                String rel = relative(root, file.getPath());
                if (label == null) {
                    skipped.add(new SkippedFile(rel, "UNKNOWN_SYNSET", "folder " + wnid + " is not in the synset list"));
                } else {
                    images.add(image(file, rel, "train", label));
                }
            }
        }
        return uniqueKeys(images);
    }

    private static List<SourceImage> listVal(HadoopFiles files, PrepareOptions options, Path root, Path folder,
                                             List<SynsetClass> classes, Map<String, Integer> classOf,
                                             List<SkippedFile> skipped) throws IOException {
        Map<String, Integer> labels = valLabels(files, options, root, classes, classOf);
        List<SourceImage> images = new ArrayList<>();
        for (FileStatus file : sorted(files.fileSystem().listStatus(folder))) {
            if (skipLink(file, root, skipped) || file.isDirectory()) {
                continue;
            }
            String rel = relative(root, file.getPath());
            Integer label = labels.get(stem(file.getPath().getName()));
            if (label == null) {
                skipped.add(new SkippedFile(rel, "NO_LABEL", "no line for it in the validation labels"));
            } else {
                images.add(image(file, rel, "val", label));
            }
        }
        return uniqueKeys(images);
    }

    /** Validation labels by image id (file name without extension). */
    private static Map<String, Integer> valLabels(HadoopFiles files, PrepareOptions options, Path root,
                                                  List<SynsetClass> classes, Map<String, Integer> classOf)
            throws IOException {
        Path labelsFile;
        if (options.valLabels() != null) {
            labelsFile = HadoopFiles.path(options.valLabels());
        } else if (files.fileSystem().exists(new Path(root, LOC_VAL_SOLUTION))) {
            labelsFile = refuseLink(files.fileSystem(), new Path(root, LOC_VAL_SOLUTION), "pass it with --val-labels");
        } else if (files.fileSystem().exists(new Path(root, VAL_GROUND_TRUTH))) {
            labelsFile = refuseLink(files.fileSystem(), new Path(root, VAL_GROUND_TRUTH), "pass it with --val-labels");
        } else {
            throw new InvalidInputException("--val-labels: neither " + LOC_VAL_SOLUTION + " nor " + VAL_GROUND_TRUTH
                    + " is in " + root + "; pass --val-labels, or --splits train");
        }
        files.requireNonEmptyFile(labelsFile, "--val-labels", "");
        String text = files.readString(labelsFile);
        String source = labelsFile.toString();
        if (labelsFile.getName().endsWith(".csv")) {
            return parseSolutionCsv(text, source, classOf);
        }
        List<String> order = classes.stream().map(SynsetClass::wnid).toList();
        if (options.valSynsetOrder() != null) {
            Path orderFile = HadoopFiles.path(options.valSynsetOrder());
            files.requireNonEmptyFile(orderFile, "--val-synset-order", "");
            order = parseSynsets(files.readString(orderFile), orderFile.toString()).stream()
                    .map(SynsetClass::wnid).toList();
        }
        return parseGroundTruth(text, source, order, classOf);
    }

    /** {@code ImageId,PredictionString} rows; the label is the first token of the prediction string. */
    static Map<String, Integer> parseSolutionCsv(String text, String source, Map<String, Integer> classOf) {
        Map<String, Integer> labels = new HashMap<>();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || (i == 0 && line.startsWith("ImageId"))) {
                continue;
            }
            int comma = line.indexOf(',');
            String[] tokens = comma < 0 ? new String[0] : line.substring(comma + 1).strip().split("\\s+");
            if (comma <= 0 || tokens.length == 0 || tokens[0].isEmpty()) {
                throw new InvalidInputException("--val-labels: " + source + " line " + (i + 1)
                        + ": expected 'ImageId,<wnid> ...', got '" + line + "'");
            }
            Integer label = classOf.get(tokens[0]);
            if (label == null) {
                throw new InvalidInputException("--val-labels: " + source + " line " + (i + 1) + ": synset "
                        + tokens[0] + " is not in the synset list");
            }
            labels.put(line.substring(0, comma), label);
        }
        return labels;
    }

    /** Line i holds the 1-based class id (in {@code order}) of {@code ILSVRC2012_val_<i, 8 digits>}. */
    static Map<String, Integer> parseGroundTruth(String text, String source, List<String> order,
                                                 Map<String, Integer> classOf) {
        Map<String, Integer> labels = new HashMap<>();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            int id;
            try {
                id = Integer.parseInt(line);
            } catch (NumberFormatException e) {
                throw new InvalidInputException("--val-labels: " + source + " line " + (i + 1)
                        + ": expected a class id, got '" + line + "'", e);
            }
            if (id < 1 || id > order.size()) {
                throw new InvalidInputException("--val-labels: " + source + " line " + (i + 1) + ": class id " + id
                        + " is outside 1.." + order.size());
            }
            Integer label = classOf.get(order.get(id - 1));
            if (label == null) {
                throw new InvalidInputException("--val-synset-order: synset " + order.get(id - 1)
                        + " is not in the synset list");
            }
            labels.put(String.format("ILSVRC2012_val_%08d", i + 1), label);
        }
        return labels;
    }

    /** Skips and reports a listed file or folder that is a symbolic link; true when it was one. */
    private static boolean skipLink(FileStatus status, Path root, List<SkippedFile> skipped) throws IOException {
        String target = symlinkTarget(status);
        if (target == null) {
            return false;
        }
        skipped.add(new SkippedFile(relative(root, status.getPath()), SYMLINK, "symbolic link to "
                + (status.isDirectory() ? "folder " : "") + target + "; prepare follows no links below --input"));
        return true;
    }

    /** {@code path}, or a clear refusal when it is a symbolic link (a split folder or label file in the root). */
    private static Path refuseLink(FileSystem fs, Path path, String remedy) throws IOException {
        FileStatus status;
        try {
            status = fs.getFileStatus(path);
        } catch (FileNotFoundException e) {
            return path; // missing: the caller says what it expected there
        }
        String target = symlinkTarget(status);
        if (target != null) {
            throw new InvalidInputException("--input: " + path + " is a symbolic link (to " + target + "); prepare "
                    + "follows no links below --input: " + remedy);
        }
        return path;
    }

    /**
     * The target of a symbolic link, or null when {@code status} is none. Hadoop's local file system follows links
     * when it lists a folder (its {@code FileStatus.isSymlink()} is false, and the length is the target's), so local
     * paths are asked through java.nio; other file systems report links through {@code FileStatus.isSymlink()}.
     */
    static String symlinkTarget(FileStatus status) throws IOException {
        if (status.isSymlink()) {
            return String.valueOf(status.getSymlink());
        }
        URI uri = status.getPath().toUri();
        if ("file".equals(uri.getScheme())) {
            java.nio.file.Path local = java.nio.file.Path.of(uri);
            if (Files.isSymbolicLink(local)) {
                return Files.readSymbolicLink(local).toString();
            }
        }
        return null;
    }

    private static SourceImage image(FileStatus file, String relative, String split, int label) {
        return new SourceImage(file.getPath().toString(), relative, split, label, stem(file.getPath().getName())
                .replace('.', '_'), file.getLen());
    }

    /** Keys must be unique inside a split (a.JPEG and a.png would clash): later ones get a numeric suffix. */
    private static List<SourceImage> uniqueKeys(List<SourceImage> images) {
        Set<String> used = new HashSet<>();
        List<SourceImage> out = new ArrayList<>(images.size());
        for (SourceImage image : images) {
            String key = image.key();
            for (int n = 2; !used.add(key); n++) {
                key = image.key() + "_" + n;
            }
            out.add(key.equals(image.key()) ? image : new SourceImage(image.uri(), image.file(), image.split(),
                    image.label(), key, image.length()));
        }
        return out;
    }

    private static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static String relative(Path root, Path file) {
        String r = root.toUri().getPath();
        String f = file.toUri().getPath();
        String prefix = r.endsWith("/") ? r : r + "/";
        return f.startsWith(prefix) ? f.substring(prefix.length()) : f;
    }

    private static FileStatus[] sorted(FileStatus[] statuses) {
        FileStatus[] copy = statuses.clone();
        Arrays.sort(copy, Comparator.comparing(s -> s.getPath().getName()));
        return copy;
    }
}
