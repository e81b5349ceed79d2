package ai.synergy.data.image;

import ai.synergy.data.image.BadImageException.Reason;
import com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi;

import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Decodes image bytes (JPEG, PNG, GIF, BMP) to {@link RgbImage}; the format is decided from the content, never a name.
 *
 * <p>JPEG goes through the TwelveMonkeys reader, which also handles CMYK, YCCK and Adobe-inverted CMYK (real
 * ImageNet has about 22 such files) and many damaged files; PNG, GIF and BMP through the JDK readers. Results always
 * have three channels: grey is replicated, alpha dropped (see {@link RgbImage#of}). Only the first frame of an
 * animated GIF is read.
 *
 * <p>Failures are reported as {@link BadImageException}: zero bytes are {@link Reason#EMPTY}; content that is none of
 * the supported formats is {@link Reason#NOT_AN_IMAGE}; a JPEG without an EOI marker, or any image whose reader warns
 * of a premature end or a truncated file or runs into end-of-file, is {@link Reason#TRUNCATED} (the partial picture is
 * discarded, as PIL does by default); everything else a reader rejects is {@link Reason#CORRUPT}.
 *
 * <p>Thread safe: every call creates its own reader and disposes it.
 */
public final class ImageDecoder {

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private ImageDecoder() {
    }

    /** Decodes JPEG, PNG, GIF or BMP bytes to RGB. */
    public static RgbImage decode(byte[] bytes) throws BadImageException {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length == 0) {
            throw new BadImageException(Reason.EMPTY, "zero bytes");
        }
        String format = formatOf(bytes);
        if (format == null) {
            throw new BadImageException(Reason.NOT_AN_IMAGE,
                    "not JPEG, PNG, GIF or BMP (" + bytes.length + " bytes starting " + preview(bytes) + ")");
        }
        if (format.equals("jpeg") && !hasJpegEnd(bytes)) {
            throw new BadImageException(Reason.TRUNCATED,
                    "JPEG of " + bytes.length + " bytes has no EOI marker (file cut short)");
        }
        ImageReader reader;
        try {
            reader = Readers.SPIS.get(format).createReaderInstance(null);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create an ImageIO reader for " + format, e);
        }
        TruncationWarnings warnings = new TruncationWarnings();
        reader.addIIOReadWarningListener(warnings);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            checkSize(format, reader.getWidth(0), reader.getHeight(0));
            BufferedImage image = reader.read(0);
            if (warnings.first != null) {
                throw new BadImageException(Reason.TRUNCATED, format + " reader warned: " + warnings.first);
            }
            return RgbImage.of(image);
        } catch (IOException | RuntimeException e) {
            Throwable early = endOfData(e);
            if (warnings.first != null || early != null) {
                String why = warnings.first != null ? warnings.first : e.getMessage() + " (" + early + ")";
                throw new BadImageException(Reason.TRUNCATED, format + " data ends early: " + why, e);
            }
            throw new BadImageException(Reason.CORRUPT,
                    format + " reader rejected " + bytes.length + " bytes: " + e, e);
        } finally {
            reader.dispose();
        }
    }

    /** The format named by the leading magic bytes: "jpeg", "png", "gif", "bmp", or null when none matches. */
    public static String formatOf(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length >= 2 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8) {
            return "jpeg";
        }
        if (bytes.length >= PNG_MAGIC.length
                && Arrays.equals(bytes, 0, PNG_MAGIC.length, PNG_MAGIC, 0, PNG_MAGIC.length)) {
            return "png";
        }
        if (bytes.length >= 6 && bytes[0] == 'G' && bytes[1] == 'I' && bytes[2] == 'F' && bytes[3] == '8'
                && (bytes[4] == '7' || bytes[4] == '9') && bytes[5] == 'a') {
            return "gif";
        }
        if (bytes.length >= 18 && bytes[0] == 'B' && bytes[1] == 'M' && isBmpHeaderSize(littleEndianInt(bytes, 14))) {
            return "bmp";
        }
        return null;
    }

    /** Known BMP DIB header sizes (BITMAPCOREHEADER .. BITMAPV5HEADER); "BM" alone matches too much text. */
    private static boolean isBmpHeaderSize(int size) {
        return size == 12 || size == 16 || size == 40 || size == 52 || size == 56 || size == 64 || size == 108
                || size == 124;
    }

    private static int littleEndianInt(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    /** Whether an EOI marker (FF D9) occurs after the SOI; searched from the end, where it normally is. */
    private static boolean hasJpegEnd(byte[] b) {
        for (int i = b.length - 2; i >= 2; i--) {
            if ((b[i] & 0xff) == 0xff && (b[i + 1] & 0xff) == 0xd9) {
                return true;
            }
        }
        return false;
    }

    private static void checkSize(String format, int width, int height) throws BadImageException {
        if (width < 1 || height < 1 || (long) width * height * 3 > Integer.MAX_VALUE - 8) {
            throw new BadImageException(Reason.CORRUPT, format + " header declares unusable size " + width + "x"
                    + height);
        }
    }

    /** The exception in the cause chain that says the data ended early (EOF, premature end), or null. */
    private static Throwable endOfData(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof EOFException || isTruncationMessage(t.getMessage())) {
                return t;
            }
        }
        return null;
    }

    private static boolean isTruncationMessage(String message) {
        if (message == null) {
            return false;
        }
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("premature end") || m.contains("truncated") || m.contains("unexpected end");
    }

    private static String preview(byte[] bytes) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < Math.min(bytes.length, 16); i++) {
            int b = bytes[i] & 0xff;
            if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\') {
                sb.append((char) b);
            } else {
                sb.append(String.format("\\x%02x", b));
            }
        }
        return sb.append('"').toString();
    }

    /** Remembers the first reader warning that says the data ended early; others (e.g. colour profile) are ignored. */
    private static final class TruncationWarnings implements IIOReadWarningListener {
        private String first;

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            if (first == null && isTruncationMessage(warning)) {
                first = warning;
            }
        }
    }

    /** The reader providers, looked up once: TwelveMonkeys for JPEG, the JDK's own for the rest. */
    private static final class Readers {
        static final Map<String, ImageReaderSpi> SPIS = Map.of(
                "jpeg", twelveMonkeysJpeg(),
                "png", jdk("png", "com.sun.imageio.plugins.png.PNGImageReaderSpi"),
                "gif", jdk("gif", "com.sun.imageio.plugins.gif.GIFImageReaderSpi"),
                "bmp", jdk("bmp", "com.sun.imageio.plugins.bmp.BMPImageReaderSpi"));

        /** The registered TwelveMonkeys provider; registered here if the class loader did not (e.g. a Spark jar). */
        private static ImageReaderSpi twelveMonkeysJpeg() {
            IIORegistry registry = IIORegistry.getDefaultInstance();
            JPEGImageReaderSpi spi = registry.getServiceProviderByClass(JPEGImageReaderSpi.class);
            if (spi == null) {
                registry.registerServiceProvider(new JPEGImageReaderSpi(), ImageReaderSpi.class);
                spi = registry.getServiceProviderByClass(JPEGImageReaderSpi.class);
            }
            if (spi == null) {
                throw new IllegalStateException("the TwelveMonkeys JPEG reader could not be registered with ImageIO");
            }
            return spi;
        }

        /** The JDK provider of this class name, else any registered provider of the format. */
        private static ImageReaderSpi jdk(String format, String className) {
            ImageReaderSpi any = null;
            Iterator<ImageReaderSpi> it =
                    IIORegistry.getDefaultInstance().getServiceProviders(ImageReaderSpi.class, true);
            while (it.hasNext()) {
                ImageReaderSpi spi = it.next();
                if (spi.getClass().getName().equals(className)) {
                    return spi;
                }
                if (any == null && Arrays.asList(spi.getFormatNames()).contains(format)) {
                    any = spi;
                }
            }
            if (any == null) {
                throw new IllegalStateException("no ImageIO reader for " + format);
            }
            return any;
        }
    }
}
