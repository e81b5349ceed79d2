package ai.synergy.cli;

import ai.synergy.jobs.ConvertJob;
import ai.synergy.dataset.DataSpec;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code synergy convert}: an IDX data set (Fashion-MNIST) -> an ILSVRC-2012-style folder of JPEG files. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Write an IDX data set (default Fashion-MNIST) as an ILSVRC-2012-style folder of greyscale JPEGs "
                + "(train/<wnid>/*.JPEG, val/*.JPEG, LOC_synset_mapping.txt, LOC_val_solution.csv, "
                + "ILSVRC2012_validation_ground_truth.txt).")
public final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--input", defaultValue = DataSpec.FASHION_MNIST_DIR,
            description = "Folder URI of the four IDX files (default: ${DEFAULT-VALUE}).")
    String input;

    @Option(names = "--output", required = true,
            description = "Folder URI to create (file://, hdfs://, s3a://, or a local path); must not exist or be "
                    + "empty.")
    String output;

    @Option(names = "--train-limit", defaultValue = "0",
            description = "Convert only the first N training images (0 = all).")
    int trainLimit;

    @Option(names = "--val-limit", defaultValue = "0",
            description = "Convert only the first N test images (0 = all).")
    int valLimit;

    @Option(names = "--quality", defaultValue = "0.95",
            description = "JPEG quality in (0, 1] (default: ${DEFAULT-VALUE}).")
    double quality;

    @Option(names = "--size", defaultValue = "0",
            description = "Side of the square JPEGs, scaled bilinearly; 0 keeps the IDX size "
                    + "(default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--class-names", split = ",",
            description = "Class names in label order, comma-separated (default: Fashion-MNIST's for a folder named "
                    + "fashion-mnist, else 'class 0', 'class 1', ...).")
    List<String> classNames = List.of();

    @Override
    public Integer call() throws Exception {
        ConvertJob.Options options = new ConvertJob.Options(input, output, trainLimit, valLimit, quality, size,
                classNames);
        ConvertJob.Result result = ConvertJob.run(options, new Configuration());
        spec.commandLine().getOut().println(String.format(Locale.ROOT,
                "converted %d train and %d val images of %d classes (%dx%d JPEG, quality %.2f) to %s in %.1f s",
                result.train(), result.val(), result.classes(), result.width(), result.height(), quality, output,
                result.seconds()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
