package ai.synergy.prepare;

import java.io.Serializable;

/**
 * One input file of a {@code prepare} run, as listed on the driver.
 *
 * @param uri    the file's full URI
 * @param file   its path relative to the input root (for reports)
 * @param split  {@code train} or {@code val}
 * @param label  class index
 * @param key    the sample key inside a shard (file name without extension, unique in its split)
 * @param length file length in bytes at listing time (a changed length on resume means the input changed)
 */
public record SourceImage(String uri, String file, String split, int label, String key, long length)
        implements Serializable {
}
