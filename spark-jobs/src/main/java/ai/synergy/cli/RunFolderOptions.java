package ai.synergy.cli;

import ai.synergy.run.RunFolder;
import picocli.CommandLine.Option;

/** Command-line options of the run folder, shared by the commands that write one and can resume it. */
public final class RunFolderOptions {
    @Option(names = "--out", required = true,
            description = "Output folder URI (file://, hdfs://, s3a://, or a local path).")
    String out;

    @Option(names = "--resume", arity = "0..1", fallbackValue = "yes", paramLabel = "auto",
            description = "Continue the run in --out from its newest checkpoint. --resume auto: continue it if there "
                    + "is one, else start it (for YARN attempts and Kubernetes restarts; waits for a lost driver's lock "
                    + "to go stale).")
    String resume;

    /** Whether and how to resume. */
    RunFolder.Resume resume() {
        return RunFolder.Resume.parse(resume);
    }
}
