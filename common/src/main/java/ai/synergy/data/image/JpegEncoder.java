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

/** Encodes an {@link RgbImage} as a baseline YCbCr JPEG with ImageIO's writer; thread safe (one writer per call). */
public final class JpegEncoder {

    private JpegEncoder() {
    }

    /** JPEG bytes at the given compression quality in (0, 1] (ImageIO's scale; 0.75 is its default). */
    public static byte[] encode(RgbImage image, float quality) {
        Objects.requireNonNull(image, "image");
        if (!(quality > 0f) || !(quality <= 1f)) {
            throw new IllegalArgumentException("quality must be in (0, 1], got " + quality);
        }
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        if (!writers.hasNext()) {
            throw new IllegalStateException("no ImageIO JPEG writer registered");
        }
        ImageWriter writer = writers.next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(image.width() * image.height() / 2 + 1024);
        try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image.toBufferedImage(), null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException("JPEG encoding of a " + image.width() + "x" + image.height()
                    + " image failed", e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
