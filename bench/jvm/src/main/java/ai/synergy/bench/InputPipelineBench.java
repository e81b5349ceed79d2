package ai.synergy.bench;

import ai.synergy.config.Json;
import ai.synergy.data.image.BadImageException;
import ai.synergy.data.image.CenterCrop;
import ai.synergy.data.image.ImageDecoder;
import ai.synergy.data.image.JpegEncoder;
import ai.synergy.data.image.RandomResizedCrop;
import ai.synergy.data.image.RgbImage;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import ai.synergy.nd4j.Nd4jRuntime;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Benchmark (not a test): the executor input pipeline against the training step it feeds, per core, in one run.
 * Decode + random-resized-crop 224 + flip of 256-short-side JPEGs on one thread, next to ResNet-18 training at 224
 * (batch 16) on all cores; the ratio is the share of a training step's time per image the pipeline needs (target
 * at most 0.20). Writes {@code input-pipeline.{json,md}}.
 *
 * <p>Usage: {@code bench/input-pipeline.sh [repetitions] [images]}.
 */
public final class InputPipelineBench {
    private static final int SIZE = 224;
    private static final int TRAIN_BATCH = 16;

    private InputPipelineBench() {
    }

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Path outDir = Path.of(args.length > 2 ? args[2] : "bench/results");
        Nd4jRuntime.enableLayerHelpers();
        int cores = Runtime.getRuntime().availableProcessors();
        List<byte[]> jpegs = syntheticPhotos(count, 7);
        double meanBytes = jpegs.stream().mapToInt(b -> b.length).average().orElse(0);

        ModelSpec spec = new ModelSpec(ModelArchitecture.parse("resnet18"), 1, 3, SIZE, SIZE, 1000,
                List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225), 1);
        ComputationGraph resnet18 = ResNets.create(spec, new OptimizerSpec(0.1, 0.9, 1e-4));
        MultiDataSet batch = new MultiDataSet(Nd4j.rand(DataType.FLOAT, TRAIN_BATCH, 3, SIZE, SIZE),
                Nd4j.zeros(DataType.FLOAT, TRAIN_BATCH, 1000).putScalar(0, 3, 1f));

        List<Double> decodeOnly = new ArrayList<>();
        List<Double> trainPipeline = new ArrayList<>();
        List<Double> evalPipeline = new ArrayList<>();
        List<Double> training = new ArrayList<>();
        for (int rep = 0; rep < reps; rep++) {
            Nd4jRuntime.configureThreads(1);
            decodeOnly.add(decodeRate(jpegs));
            trainPipeline.add(pipelineRate(jpegs, true));
            evalPipeline.add(pipelineRate(jpegs, false));
            Nd4jRuntime.configureThreads(cores);
            training.add(trainingRate(resnet18, batch, rep == 0 ? 2 : 1, 3));
            System.out.printf("rep %d: decode %.1f, decode+augment %.1f, decode+center-crop %.1f images/s on one "
                            + "thread; ResNet-18 training %.2f images/s on %d cores%n", rep + 1, decodeOnly.get(rep),
                    trainPipeline.get(rep), evalPipeline.get(rep), training.get(rep), cores);
        }
        double pipelinePerCore = BenchResults.median(trainPipeline);
        double trainingPerCore = BenchResults.median(training) / cores;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("images", count);
        result.put("meanJpegBytes", meanBytes);
        result.put("source", "synthetic photos, 256x341 and 341x256, JPEG quality 0.9");
        result.put("cores", cores);
        result.put("nd4j", Nd4jRuntime.describe());
        result.put("repetitions", reps);
        result.put("decodeImagesPerSecondPerCore", BenchResults.median(decodeOnly));
        result.put("trainPipelineImagesPerSecondPerCore", pipelinePerCore);
        result.put("evalPipelineImagesPerSecondPerCore", BenchResults.median(evalPipeline));
        result.put("resnet18TrainImagesPerSecond", BenchResults.median(training));
        result.put("resnet18TrainImagesPerSecondPerCore", trainingPerCore);
        result.put("pipelineShareOfStepTime", trainingPerCore / pipelinePerCore);
        result.put("target", "pipelineShareOfStepTime <= 0.20");
        result.put("samples", Map.of("decode", decodeOnly, "trainPipeline", trainPipeline,
                "evalPipeline", evalPipeline, "training", training));
        BenchResults.write(outDir.resolve("input-pipeline.json"), Json.write(result));
        BenchResults.write(outDir.resolve("input-pipeline.md"), markdown(result));
        System.out.println(markdown(result));
    }

    /** Photo-like test images: smooth gradients, shapes and sensor noise, so JPEG sizes and decode work are real. */
    static List<byte[]> syntheticPhotos(int count, long seed) {
        Random random = new Random(seed);
        List<byte[]> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int w = i % 2 == 0 ? 341 : 256;
            int h = i % 2 == 0 ? 256 : 341;
            BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            g.setPaint(new GradientPaint(0, 0, new Color(random.nextInt(0xFFFFFF)), w, h,
                    new Color(random.nextInt(0xFFFFFF))));
            g.fillRect(0, 0, w, h);
            for (int s = 0; s < 12; s++) {
                g.setColor(new Color(random.nextInt(0xFFFFFF)));
                g.fillOval(random.nextInt(w), random.nextInt(h), 10 + random.nextInt(w / 2), 10 + random.nextInt(h / 2));
            }
            g.dispose();
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int rgb = image.getRGB(x, y);
                    int noise = (int) (random.nextGaussian() * 6);
                    int r = clamp(((rgb >> 16) & 0xFF) + noise);
                    int gr = clamp(((rgb >> 8) & 0xFF) + noise);
                    int b = clamp((rgb & 0xFF) + noise);
                    image.setRGB(x, y, (r << 16) | (gr << 8) | b);
                }
            }
            out.add(JpegEncoder.encode(RgbImage.of(image), 0.9f));
        }
        return out;
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    private static double decodeRate(List<byte[]> jpegs) throws BadImageException {
        long start = System.nanoTime();
        long pixels = 0;
        for (byte[] jpeg : jpegs) {
            pixels += ImageDecoder.decode(jpeg).width();
        }
        if (pixels == 0) {
            throw new IllegalStateException("nothing decoded");
        }
        return jpegs.size() / ((System.nanoTime() - start) / 1e9);
    }

    /** Images/s of decode + training augmentation (or the evaluation center crop) into a float tensor. */
    private static double pipelineRate(List<byte[]> jpegs, boolean training) throws BadImageException {
        RandomResizedCrop crop = RandomResizedCrop.imagenet(SIZE);
        CenterCrop center = CenterCrop.imagenet(SIZE);
        float[] out = new float[3 * SIZE * SIZE];
        SplittableRandom random = new SplittableRandom(1);
        long start = System.nanoTime();
        for (byte[] jpeg : jpegs) {
            RgbImage image = ImageDecoder.decode(jpeg);
            if (training) {
                crop.apply(image, random.nextBoolean(), random, out, 0);
            } else {
                center.apply(image, false, out, 0);
            }
        }
        return jpegs.size() / ((System.nanoTime() - start) / 1e9);
    }

    private static double trainingRate(ComputationGraph graph, MultiDataSet batch, int warmup, int steps) {
        for (int i = 0; i < warmup; i++) {
            graph.fit(batch);
        }
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            graph.fit(batch);
        }
        return steps * TRAIN_BATCH / ((System.nanoTime() - start) / 1e9);
    }

    private static String markdown(Map<String, Object> r) {
        return String.format("""
                # Input pipeline vs training step, per core (ImageNet shapes)

                One run, medians of %s repetitions; %s synthetic 256-short-side JPEGs (mean %.0f bytes), %s cores.
                ND4J: %s

                | measure | images/s per core |
                | --- | --- |
                | JPEG decode | %.1f |
                | decode + random-resized-crop 224 + flip (training) | %.1f |
                | decode + resize 256 + center crop 224 (evaluation) | %.1f |
                | ResNet-18 training step at 224, batch %d | %.3f (%.2f on %s cores) |
                | **pipeline time / training time per image** | **%.4f** (target <= 0.20) |
                """, r.get("repetitions"), r.get("images"), (double) r.get("meanJpegBytes"), r.get("cores"),
                r.get("nd4j"), (double) r.get("decodeImagesPerSecondPerCore"),
                (double) r.get("trainPipelineImagesPerSecondPerCore"),
                (double) r.get("evalPipelineImagesPerSecondPerCore"), TRAIN_BATCH,
                (double) r.get("resnet18TrainImagesPerSecondPerCore"), (double) r.get("resnet18TrainImagesPerSecond"),
                r.get("cores"), (double) r.get("pipelineShareOfStepTime"));
    }
}
