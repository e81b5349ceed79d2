package ai.synergy.data.shard;

import ai.synergy.config.InvalidInputException;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Where each image of one shard lies inside its tar file, so an executor can read any image with one positioned read
 * (no scan of the tar). Stored beside the shard as {@code <shard>.tar.idx}: one line per image,
 * {@code key<TAB>label<TAB>offset<TAB>length}, in tar order.
 *
 * @param entries the shard's images in tar order
 */
public record ShardIndex(List<Entry> entries) implements Serializable {

    /** Suffix of an index file beside its shard. */
    public static final String SUFFIX = ".idx";

    /**
     * One image of a shard.
     *
     * @param key    the sample's key (the source file's name without extension)
     * @param label  class index
     * @param offset byte offset of the JPEG data inside the tar file
     * @param length JPEG data length in bytes
     */
    public record Entry(String key, int label, long offset, int length) implements Serializable {
        public Entry {
            if (key == null || key.isEmpty() || key.contains("\t") || key.contains("\n")) {
                throw new IllegalArgumentException("shard key must be non-empty without tabs/newlines, got '" + key + "'");
            }
            if (label < 0 || offset < 0 || length <= 0) {
                throw new IllegalArgumentException("bad shard entry " + key + ": label " + label + ", offset " + offset
                        + ", length " + length);
            }
        }
    }

    public ShardIndex {
        entries = List.copyOf(entries);
    }

    /** Number of images. */
    public int size() {
        return entries.size();
    }

    /** The index as the UTF-8 text stored in the {@code .idx} file. */
    public byte[] toBytes() {
        StringBuilder text = new StringBuilder(entries.size() * 40);
        for (Entry e : entries) {
            text.append(e.key()).append('\t').append(e.label()).append('\t').append(e.offset()).append('\t')
                    .append(e.length()).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses an {@code .idx} file; {@code source} names it in errors. */
    public static ShardIndex parse(byte[] bytes, String source) {
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n");
        List<Entry> entries = new ArrayList<>(lines.length);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isEmpty()) {
                continue;
            }
            String[] f = lines[i].split("\t");
            try {
                if (f.length != 4) {
                    throw new IllegalArgumentException("expected 4 tab-separated fields, got " + f.length);
                }
                entries.add(new Entry(f[0], Integer.parseInt(f[1]), Long.parseLong(f[2]), Integer.parseInt(f[3])));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(source + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return new ShardIndex(entries);
    }
}
