package ai.synergy.cli;

import ai.synergy.adversarial.Apgd;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import ai.synergy.io.HadoopFiles;
import ai.synergy.jobs.EvaluateJob;
import ai.synergy.spark.SparkContexts;
import ai.synergy.training.Averaging;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
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

    @Option(names = "--workers", defaultValue = "" + Averaging.WORKERS, description = "Shards/partitions (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--batch-size", defaultValue = "" + EvaluateJob.Settings.DEFAULT_BATCH_SIZE, description = "Evaluation minibatch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--attack", defaultValue = "none",
            description = "none, pgd (L-infinity, random start), fgsm, apgd-ce, apgd-dlr, apgd-dlr-targeted (APGD on "
                    + "that loss) or autoattack-lite (apgd-ce, then apgd-dlr on what survives) (default: "
                    + "${DEFAULT-VALUE}).")
    String attack;

    @Mixin
    AttackOptions attackOptions;

    @Option(names = "--budget", defaultValue = "" + Apgd.DEFAULT_BUDGET,
            description = "APGD iterations per restart (apgd-*, autoattack-lite); each costs a forward and backward "
                    + "pass (default: ${DEFAULT-VALUE}).")
    int budget;

    @Option(names = "--restarts", defaultValue = "" + Apgd.DEFAULT_RESTARTS,
            description = "APGD runs from fresh random starts on the examples still classified correctly; "
                    + "apgd-dlr-targeted targets the next most likely class in each (default: ${DEFAULT-VALUE}).")
    int restarts;

    @Option(names = "--seed", defaultValue = "" + Averaging.SEED,
            description = "Seed of the attack's random starts (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--result", paramLabel = "URI",
            description = "Also write the result line (JSON) to this file, atomically (e.g. for notebooks and scripts).")
    String result;

    @Override
    public Integer call() throws Exception {
        EvaluateJob.Settings settings = EvaluateJob.Settings.of(model).data(dataOptions.source()).workers(workers)
                .batchSize(batchSize)
                .attack(attack, attackOptions.evaluationAttack(attack, "attack", budget, restarts), seed);
        try (SparkContexts.JobContext context = SparkContexts.open("synergy-evaluate", workers)) {
            JavaSparkContext jsc = context.jsc();
            if (result != null) {
                requireFileTarget(jsc);
            }
            String json = Json.writeLine(EvaluateJob.evaluate(jsc, settings));
            if (result != null) {
                HadoopFiles.of(result, jsc.hadoopConfiguration()).writeAtomically(HadoopFiles.path(result), json + "\n");
            }
            System.out.println(json);
        }
        return 0;
    }

    /** {@code --result} names a file to write: a folder there is refused before any work (it is never replaced). */
    private void requireFileTarget(JavaSparkContext jsc) throws IOException {
        HadoopFiles files = HadoopFiles.of(result, jsc.hadoopConfiguration());
        Path target = HadoopFiles.path(result);
        if (files.fileSystem().exists(target) && files.fileSystem().getFileStatus(target).isDirectory()) {
            throw new InvalidInputException("--result: " + result + " is a folder; give the path of the JSON file "
                    + "to write, e.g. " + new Path(target, "result.json") + " (nothing was changed)");
        }
    }
}
