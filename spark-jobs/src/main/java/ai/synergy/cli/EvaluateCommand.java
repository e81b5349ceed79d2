package ai.synergy.cli;

import ai.synergy.adversarial.Pgd;
import ai.synergy.io.HadoopFiles;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import ai.synergy.evaluation.RobustCounts;
import ai.synergy.evaluation.TopKCounts;
import ai.synergy.jobs.EvaluateJob;
import ai.synergy.spark.SparkContexts;
import ai.synergy.dataset.DataSpec;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code synergy evaluate}: top-1/top-5 of an exported model on a data set, optionally under attack, on executors. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Score an exported model (DL4J ModelSerializer zip) on a data set's test split; with --attack, "
                + "also on adversarial versions of every test image (white box, made on the executors).")
final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    DataOptions dataOptions;

    @Option(names = "--model", required = true, description = "Model zip URI, e.g. runs/fmnist/model.zip.")
    String model;

    @Option(names = "--workers", defaultValue = "2", description = "Shards/partitions (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--batch-size", defaultValue = "256", description = "Evaluation minibatch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--attack", defaultValue = "none",
            description = "none, pgd (L-infinity, random start) or fgsm (default: ${DEFAULT-VALUE}).")
    String attack;

    @Mixin
    AttackOptions attackOptions;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of PGD's random starts (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--result", paramLabel = "URI",
            description = "Also write the result line (JSON) to this file, atomically (e.g. for notebooks and scripts).")
    String result;

    @Override
    public Integer call() throws Exception {
        if (workers < 1 || batchSize < 1) {
            throw new InvalidInputException("--workers and --batch-size must be >= 1, got " + workers + " and "
                    + batchSize);
        }
        Pgd pgd = attackOptions.attack(attack, "--attack");
        dataOptions.requireWellFormed();
        try (SparkContexts.JobContext context = SparkContexts.open("synergy-evaluate", workers)) {
            JavaSparkContext jsc = context.jsc();
            DataSpec data = dataOptions.resolve(jsc.hadoopConfiguration());
            if (result != null) {
                requireFileTarget(jsc);
            }
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("model", model);
            line.put("data", data.name());
            if (pgd == null) {
                TopKCounts counts = EvaluateJob.run(jsc, model, data, workers, batchSize);
                line.put("examples", counts.examples());
                line.put("top1", counts.top1());
                line.put("top5", counts.top5());
                line.put("loss", counts.meanLoss());
            } else {
                RobustCounts counts = EvaluateJob.runUnderAttack(jsc, model, data, workers, batchSize, pgd, seed);
                line.put("examples", counts.natural().examples());
                line.put("attack", attack + " eps " + pgd.eps() + ", step " + pgd.stepSize() + ", " + pgd.steps()
                        + " steps" + (pgd.randomStart() ? ", random start" : ""));
                line.put("naturalTop1", counts.natural().top1());
                line.put("adversarialTop1", counts.adversarial().top1());
            }
            String json = Json.writeLine(line);
            if (result != null) {
                HadoopFiles.of(result, jsc.hadoopConfiguration()).writeAtomically(HadoopFiles.path(result), json + "\n");
            }
            System.out.println(json);
        }
        return 0;
    }

    /** {@code --result} names a file to write: a folder there is refused before any work (it is never replaced). */
    private void requireFileTarget(JavaSparkContext jsc) throws java.io.IOException {
        HadoopFiles files = HadoopFiles.of(result, jsc.hadoopConfiguration());
        org.apache.hadoop.fs.Path target = HadoopFiles.path(result);
        if (files.fileSystem().exists(target) && files.fileSystem().getFileStatus(target).isDirectory()) {
            throw new InvalidInputException("--result: " + result + " is a folder; give the path of the JSON file "
                    + "to write, e.g. " + new org.apache.hadoop.fs.Path(target, "result.json") + " (nothing was changed)");
        }
    }
}
