package ai.synergy.prepare;

import java.io.Serializable;

/**
 * What the scan pass learned about one input file: whether it decodes, and if so its size, its format as found in
 * its bytes (a PNG named .JPEG says {@code png}) and its per-channel pixel sums for the data set's statistics.
 *
 * @param image      the file
 * @param problem    {@code OK}, or why it is skipped (EMPTY, NOT_AN_IMAGE, TRUNCATED, CORRUPT, UNREADABLE)
 * @param detail     the decoder's message for a skipped file
 * @param format     format found in the bytes (jpeg, png, gif, bmp), or null
 * @param width      decoded width
 * @param height     decoded height
 * @param sums       per-channel (RGB) sums of pixel values in [0, 1]
 * @param squareSums per-channel sums of squared pixel values
 */
public record ScanResult(SourceImage image, String problem, String detail, String format, int width, int height,
                         double[] sums, double[] squareSums) implements Serializable {

    /** The problem value of a good image. */
    public static final String OK = "OK";

    /** True when the image decoded. */
    public boolean ok() {
        return OK.equals(problem);
    }

    /** A skipped file. */
    public static ScanResult skipped(SourceImage image, String problem, String detail, String format) {
        return new ScanResult(image, problem, detail, format, 0, 0, new double[3], new double[3]);
    }
}
