package ai.synergy.prepare;

import ai.synergy.data.image.BadImageException;
import ai.synergy.data.image.ImageDecoder;
import ai.synergy.data.image.RgbImage;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.util.SerializableConfiguration;

import java.io.IOException;

/**
 * Executor side, first pass of {@code prepare}: reads and fully decodes one input file (the only way to know that a
 * JPEG is whole), so that the shard assignment counts only images that will really be written and shards come out
 * balanced. Never throws for a bad file: the result says what was wrong.
 */
public final class ScanImage implements Function<SourceImage, ScanResult> {
    private final SerializableConfiguration hadoopConf;

    /** @param hadoopConf the driver's Hadoop configuration (credentials and file system settings) */
    public ScanImage(SerializableConfiguration hadoopConf) {
        this.hadoopConf = hadoopConf;
    }

    @Override
    public ScanResult call(SourceImage image) {
        byte[] bytes;
        try {
            bytes = SourceFiles.read(image, hadoopConf);
        } catch (IOException e) {
            return ScanResult.skipped(image, "UNREADABLE", e.getMessage(), null);
        }
        String format = ImageDecoder.formatOf(bytes);
        RgbImage decoded;
        try {
            decoded = ImageDecoder.decode(bytes);
        } catch (BadImageException e) {
            return ScanResult.skipped(image, e.reason().name(), e.getMessage(), format);
        }
        double[] sums = new double[3];
        double[] squares = new double[3];
        byte[] rgb = decoded.rgb();
        for (int i = 0; i < rgb.length; i += 3) {
            for (int c = 0; c < 3; c++) {
                double v = (rgb[i + c] & 0xFF) / 255.0;
                sums[c] += v;
                squares[c] += v * v;
            }
        }
        return new ScanResult(image, ScanResult.OK, null, format, decoded.width(), decoded.height(), sums, squares);
    }
}
