package ai.synergy.cli;

import ai.synergy.io.HadoopFiles;
import ai.synergy.config.InvalidInputException;
import ai.synergy.jobs.RunReport;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code synergy report <run>}: redraws a run's chart and rewrites its {@code report.md} from the run's own files. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Regenerate report.md and the chart (curves.png or rounds.png) of a train or quantize run "
                + "folder from its files (metrics.jsonl or rounds.jsonl, checkpoints, model.json). No Spark needed.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN", description = "The run folder URI (the job's --out).")
    String run;

    @Override
    public Integer call() throws Exception {
        HadoopFiles files = HadoopFiles.of(run, new Configuration());
        Path dir = HadoopFiles.path(run);
        if (!files.fileSystem().exists(dir)) {
            throw new InvalidInputException("report: " + run + " does not exist");
        }
        if (!files.fileSystem().getFileStatus(dir).isDirectory()) {
            throw new InvalidInputException("report: " + run + " is a file, not a run folder");
        }
        Path report = RunReport.write(files, dir, true);
        System.out.println("report: " + report);
        return 0;
    }
}
