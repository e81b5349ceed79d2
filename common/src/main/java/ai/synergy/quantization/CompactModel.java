package ai.synergy.quantization;

import ai.synergy.config.InvalidInputException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The compact export of a quantized network: each quantized parameter array stored as b-bit codes into its own
 * codebook (b = ceil(log2 of its distinct values), at least 1), every other parameter as plain values, plus the DL4J
 * configuration. {@link #read} rebuilds a {@link ComputationGraph} whose parameters equal the exported ones bit for
 * bit (codebook entries are the exact values). A zip of {@code configuration.json}, {@code parameters.json} (one
 * entry per parameter: name, shape, kind, bits, codebook) and {@code data.bin} (big-endian values and bit-packed
 * codes, C order, each array starting on a byte). Zeros of a pruned layer are one more codebook value (no separate
 * sparse index).
 */
public final class CompactModel {
    private static final String CONFIGURATION = "configuration.json";
    private static final String PARAMETERS = "parameters.json";
    private static final String DATA = "data.bin";
    private static final ObjectMapper JSON = new ObjectMapper();

    private CompactModel() {
    }

    /**
     * One parameter array of the export.
     *
     * @param name     DL4J parameter name ({@code layer_W})
     * @param shape    its shape
     * @param bits     bits per code; 0 for an array stored as plain values
     * @param codebook the values the codes index (empty for plain arrays)
     */
    public record Entry(String name, long[] shape, int bits, double[] codebook) {
        /** Bytes of this array in {@code data.bin}. */
        long dataBytes(int valueBytes) {
            long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            return bits == 0 ? n * valueBytes : (n * bits + 7) / 8;
        }
    }

    /**
     * Sizes of an export.
     *
     * @param entries     every parameter array, in the network's order
     * @param denseBytes  the parameters as plain values of the network's data type
     * @param compactBytes the parameters in the export (codes, codebooks and plain values; no zip or JSON overhead)
     */
    public record Report(List<Entry> entries, long denseBytes, long compactBytes) {
        /** denseBytes / compactBytes. */
        public double compression() {
            return (double) denseBytes / compactBytes;
        }
    }

    /** Writes {@code graph} with the parameters named in {@code quantized} as codes; returns the sizes. */
    public static Report write(ComputationGraph graph, Set<String> quantized, OutputStream out) throws IOException {
        DataType type = graph.params().dataType();
        int valueBytes = valueBytes(type);
        Map<String, INDArray> params = graph.paramTable();
        for (String name : quantized) {
            if (!params.containsKey(name)) {
                throw new IllegalArgumentException("no parameter " + name + " to quantize; parameters: "
                        + params.keySet());
            }
        }
        List<Entry> entries = new ArrayList<>();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        DataOutputStream dataOut = new DataOutputStream(data);
        long dense = 0;
        long compact = 0;
        for (Map.Entry<String, INDArray> p : params.entrySet()) {
            double[] values = p.getValue().dup('c').data().asDouble();
            Entry entry;
            if (quantized.contains(p.getKey())) {
                double[] codebook = distinct(values);
                int bits = Math.max(1, 64 - Long.numberOfLeadingZeros(codebook.length - 1));
                entry = new Entry(p.getKey(), p.getValue().shape(), bits, codebook);
                writeCodes(dataOut, values, codebook, bits);
                compact += (long) codebook.length * valueBytes;
            } else {
                entry = new Entry(p.getKey(), p.getValue().shape(), 0, new double[0]);
                for (double v : values) {
                    if (type == DataType.FLOAT) {
                        dataOut.writeFloat((float) v);
                    } else {
                        dataOut.writeDouble(v);
                    }
                }
            }
            entries.add(entry);
            dense += (long) values.length * valueBytes;
            compact += entry.dataBytes(valueBytes);
        }
        dataOut.flush();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            put(zip, CONFIGURATION, graph.getConfiguration().toJson().getBytes(StandardCharsets.UTF_8));
            put(zip, PARAMETERS, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(entries));
            put(zip, DATA, data.toByteArray());
        }
        return new Report(entries, dense, compact);
    }

    /** Rebuilds the network of a compact export; {@code source} names the file in errors. */
    public static ComputationGraph read(InputStream in, String source) throws IOException {
        Map<String, byte[]> files = new HashMap<>();
        try (ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                files.put(e.getName(), zip.readAllBytes());
            }
        }
        for (String name : List.of(CONFIGURATION, PARAMETERS, DATA)) {
            if (!files.containsKey(name)) {
                throw new InvalidInputException(source + ": not a compact model (no " + name + " inside)");
            }
        }
        ComputationGraph graph = new ComputationGraph(ComputationGraphConfiguration.fromJson(
                new String(files.get(CONFIGURATION), StandardCharsets.UTF_8)));
        graph.init();
        Entry[] entries = JSON.readValue(files.get(PARAMETERS), Entry[].class);
        Map<String, INDArray> params = graph.paramTable();
        DataType type = graph.params().dataType();
        ByteBuffer data = ByteBuffer.wrap(files.get(DATA)).order(ByteOrder.BIG_ENDIAN);
        if (entries.length != params.size()) {
            throw new InvalidInputException(source + ": " + entries.length + " parameter arrays for a network with "
                    + params.size());
        }
        for (Entry entry : entries) {
            INDArray target = params.get(entry.name());
            if (target == null || !Arrays.equals(target.shape(), entry.shape())) {
                throw new InvalidInputException(source + ": parameter " + entry.name() + " does not fit the network");
            }
            int n = (int) target.length();
            double[] values = new double[n];
            if (entry.bits() == 0) {
                for (int i = 0; i < n; i++) {
                    values[i] = type == DataType.FLOAT ? data.getFloat() : data.getDouble();
                }
            } else {
                readCodes(data, values, entry.codebook(), entry.bits(), source + " " + entry.name());
            }
            target.assign(Nd4j.create(values, entry.shape(), 'c').castTo(type));
        }
        return graph;
    }

    private static double[] distinct(double[] values) {
        TreeSet<Double> set = new TreeSet<>();
        for (double v : values) {
            set.add(v);
        }
        return set.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static void writeCodes(DataOutputStream out, double[] values, double[] codebook, int bits)
            throws IOException {
        long buffer = 0;
        int filled = 0;
        for (double v : values) {
            int code = Arrays.binarySearch(codebook, v);
            buffer = (buffer << bits) | code;
            filled += bits;
            while (filled >= 8) {
                out.writeByte((int) (buffer >>> (filled - 8)) & 0xFF);
                filled -= 8;
            }
        }
        if (filled > 0) {
            out.writeByte((int) (buffer << (8 - filled)) & 0xFF);
        }
    }

    private static void readCodes(ByteBuffer in, double[] values, double[] codebook, int bits, String where) {
        long buffer = 0;
        int filled = 0;
        int mask = (1 << bits) - 1;
        for (int i = 0; i < values.length; i++) {
            while (filled < bits) {
                buffer = (buffer << 8) | (in.get() & 0xFF);
                filled += 8;
            }
            int code = (int) (buffer >>> (filled - bits)) & mask;
            filled -= bits;
            if (code >= codebook.length) {
                throw new InvalidInputException(where + ": code " + code + " outside its codebook of "
                        + codebook.length);
            }
            values[i] = codebook[code];
        }
    }

    private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }

    private static int valueBytes(DataType type) {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("compact export supports float and double networks, got " + type);
        }
        return type == DataType.FLOAT ? 4 : 8;
    }
}
