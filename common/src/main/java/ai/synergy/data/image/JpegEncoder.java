package ai.synergy.data.image;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Objects;

/**
 * The project's one JPEG encoder: ImageIO with the JDK's own writer (TwelveMonkeys registers a wrapper too; the JDK's
 * gives the same bytes for the same pixels on every JVM of a version), at an explicit quality; thread safe (one writer
 * per call). {@code prepare} re-encodes with it, {@code convert} writes its folders with it, and the tests' image
 * fixtures are made with it.
 */
public final class JpegEncoder {
    private static final String JDK_WRITER = "com.sun.imageio.plugins.jpeg.JPEGImageWriter";

    private JpegEncoder() {
    }

    /** JPEG bytes at the given compression quality in (0, 1] (ImageIO's scale; 0.75 is its default). */
    public static byte[] encode(RgbImage image, float quality) {
        Objects.requireNonNull(image, "image");
        return encode(new IIOImage(image.toBufferedImage(), null, null), quality, false);
    }

    /**
     * JPEG bytes of any image ImageIO can write (grey, RGB, or a raw 4-band raster written as is), baseline or
     * progressive.
     */
    public static byte[] encode(IIOImage image, float quality, boolean progressive) {
        if (!(quality > 0f) || !(quality <= 1f)) {
            throw new IllegalArgumentException("quality must be in (0, 1], got " + quality);
        }
        ImageWriter writer = writer();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
        try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            if (progressive) {
                param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            }
            writer.write(null, image, param);
        } catch (IOException e) {
            throw new UncheckedIOException("JPEG encoding failed", e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /** A new JPEG writer: the JDK's own when present, else the first registered one. */
    private static ImageWriter writer() {
        ImageWriter first = null;
        for (Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg"); it.hasNext(); ) {
            ImageWriter candidate = it.next();
            if (candidate.getClass().getName().equals(JDK_WRITER)) {
                if (first != null) {
                    first.dispose();
                }
                return candidate;
            }
            if (first == null) {
                first = candidate;
            } else {
                candidate.dispose();
            }
        }
        if (first == null) {
            throw new IllegalStateException("no ImageIO JPEG writer registered");
        }
        return first;
    }
}
