package ai.synergy.cli;

import ai.synergy.config.InvalidInputException;
import ai.synergy.training.TrainingDivergedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The application's one main class: {@code bin/synergy <command>} in local mode, or
 * {@code spark-submit --class ai.synergy.cli.SynergyCli <shaded jar> <command>} on a cluster.
 * Exit codes: 0 done, 2 bad input (one line on stderr naming the flag or file), 3 training diverged, 1 other failure.
 */
@Command(name = "synergy", mixinStandardHelpOptions = true, version = "synergy 0.1.0",
        description = "Distributed training of image classifiers with Deeplearning4j on Apache Spark.",
        subcommands = {ConvertCommand.class, PrepareCommand.class, TrainCommand.class, EvaluateCommand.class,
                QuantizeCommand.class, ReportCommand.class, LoopbackClusterCommand.class})
public final class SynergyCli implements Runnable {

    /** Exit code for bad input. */
    public static final int BAD_INPUT = 2;
    /** Exit code for a diverged training run. */
    public static final int DIVERGED = 3;

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int execute(String... args) {
        return execute(new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
    }

    /** Runs a command line with picocli's messages going to the given writers. */
    public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new SynergyCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof InvalidInputException) {
                commandLine.getErr().println("synergy: error: " + e.getMessage());
                return BAD_INPUT;
            }
            if (e instanceof TrainingDivergedException) {
                commandLine.getErr().println("synergy: " + e.getMessage());
                return DIVERGED;
            }
            throw e;
        });
        cli.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("synergy: error: " + e.getMessage());
            e.getCommandLine().getErr().println("(see: synergy " + e.getCommandLine().getCommandName() + " --help)");
            return BAD_INPUT;
        });
        return cli.execute(args);
    }
}
