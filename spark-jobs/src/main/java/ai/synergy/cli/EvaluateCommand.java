package ai.synergy.cli;

import ai.synergy.evaluation.TopKCounts;
import ai.synergy.jobs.EvaluateJob;
import ai.synergy.spark.SparkContexts;
import ai.synergy.training.DataSpec;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code synergy evaluate}: top-1/top-5 of an exported model on a data set, computed on executors. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Score an exported model (DL4J ModelSerializer zip) on a data set's test split.")
final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    DataOptions dataOptions;

    @Option(names = "--model", required = true, description = "Model zip URI, e.g. runs/fmnist/model.zip.")
    String model;

    @Option(names = "--workers", defaultValue = "2", description = "Shards/partitions (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--batch-size", defaultValue = "256", description = "Evaluation minibatch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Override
    public Integer call() throws Exception {
        if (workers < 1 || batchSize < 1) {
            throw new ai.synergy.config.InvalidInputException("--workers and --batch-size must be >= 1, got "
                    + workers + " and " + batchSize);
        }
        dataOptions.requireWellFormed();
        try (JavaSparkContext jsc = SparkContexts.start("synergy-evaluate", workers)) {
            DataSpec data = dataOptions.resolve(jsc.hadoopConfiguration());
            TopKCounts counts = EvaluateJob.run(jsc, model, data, workers, batchSize);
            System.out.printf("{\"model\":\"%s\",\"data\":\"%s\",\"examples\":%d,\"top1\":%.4f,\"top5\":%.4f,"
                            + "\"loss\":%.4f}%n", model, data.name(), counts.examples(), counts.top1(), counts.top5(),
                    counts.meanLoss());
        }
        return 0;
    }
}
