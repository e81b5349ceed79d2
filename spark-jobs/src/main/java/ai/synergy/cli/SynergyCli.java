package ai.synergy.cli;

import ai.synergy.config.Credentials;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.InvalidSettingException;
import ai.synergy.io.HadoopFiles;
import ai.synergy.run.RunFolder;
import ai.synergy.training.TrainingDivergedException;
import org.apache.hadoop.util.ShutdownHookManager;
import picocli.CommandLine.Command;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The application's one main class: {@code bin/synergy <command>} in local mode, or
 * {@code spark-submit --class ai.synergy.cli.SynergyCli <shaded jar> <command>} on a cluster.
 * Exit codes: 0 done, 2 bad input (one line on stderr naming the flag or file), 3 training diverged, 1 an I/O failure
 * (a full disk, a lost file system; one line) or another failure, 130 interrupted (SIGTERM, Ctrl-C; one line saying
 * how to continue).
 */
@Command(name = "synergy", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Distributed training of image classifiers with Deeplearning4j on Apache Spark.",
        subcommands = {ConvertCommand.class, PrepareCommand.class, TrainCommand.class, EvaluateCommand.class,
                ExportCommand.class,
                PredictCommand.class,
                QuantizeCommand.class, RobustCompressCommand.class, ReportCommand.class, LoopbackClusterCommand.class})
public final class SynergyCli implements Runnable {

    /** Exit code for bad input. */
    public static final int BAD_INPUT = 2;
    /** Exit code for a diverged training run. */
    public static final int DIVERGED = 3;
    /** Exit code for an I/O failure or any other error. */
    public static final int FAILED = 1;
    /** Exit code when the JVM is being shut down (a signal) while a command runs. */
    public static final int INTERRUPTED = 130;

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    /**
     * Runs a command and ends the JVM with its exit code, except in a cluster-mode driver (YARN's application master,
     * a standalone worker's driver wrapper), where {@code System.exit} would pre-empt the report of the final status:
     * there a success returns and a failure throws with its one-line message, which becomes the application's
     * diagnostics.
     */
    public static void main(String[] args) {
        AtomicBoolean done = new AtomicBoolean();
        // SIGTERM or Ctrl-C: one line saying what is kept and how to continue (runs before Spark's own hooks)
        ShutdownHookManager.get().addShutdownHook(() -> {
            if (!done.get()) {
                System.err.println("synergy: interrupted" + RunFolder.resumeHint().map(h -> "; " + h).orElse(""));
            }
        }, Integer.MAX_VALUE);
        int code = execute(args);
        done.set(true);
        if (!isClusterModeDriver()) {
            System.exit(code);
        }
        if (code != 0) {
            throw new CommandFailedException(code, LAST_ERROR.get());
        }
    }

    /** True in a driver that spark-submit started with {@code --deploy-mode cluster}. */
    static boolean isClusterModeDriver() {
        return "cluster".equals(System.getProperty("spark.submit.deployMode"));
    }

    /** A command that failed in a cluster-mode driver: the exit code and the line it printed. */
    public static final class CommandFailedException extends RuntimeException {
        private final int exitCode;

        CommandFailedException(int exitCode, String line) {
            super(line == null ? "synergy failed with exit code " + exitCode : line + " (exit code " + exitCode + ")");
            this.exitCode = exitCode;
        }

        /** The exit code the command returned. */
        public int exitCode() {
            return exitCode;
        }
    }

    private static final AtomicReference<String> LAST_ERROR =
            new AtomicReference<>();

    /** Runs a command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int execute(String... args) {
        return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs a command line with picocli's messages going to the given writers. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new SynergyCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (ShutdownHookManager.get().isShutdownInProgress() && !(e instanceof InvalidInputException)) {
                return INTERRUPTED; // the shutdown hook said so in one line; what failed after it is its echo
            }
            IOException io = ioCause(e);
            if (e instanceof InvalidSettingException setting) {
                return fail(commandLine, "synergy: error: " + Flags.describe(setting), BAD_INPUT);
            }
            if (e instanceof InvalidInputException || io instanceof HadoopFiles.TargetIsFolderException) {
                return fail(commandLine, "synergy: error: " + e.getMessage(), BAD_INPUT);
            }
            if (e instanceof TrainingDivergedException) {
                return fail(commandLine, "synergy: " + e.getMessage(), DIVERGED);
            }
            if (io != null) {
                return fail(commandLine, "synergy: error: " + Credentials.redact(describe(io))
                        + RunFolder.resumeHint().map(h -> "; " + h).orElse(""), FAILED);
            }
            LAST_ERROR.set("synergy: " + Credentials.redact(String.valueOf(e)));
            throw e;
        });
        cli.setParameterExceptionHandler((e, a) -> {
            fail(e.getCommandLine(), "synergy: error: " + e.getMessage(), BAD_INPUT);
            e.getCommandLine().getErr().println("(see: synergy " + e.getCommandLine().getCommandName() + " --help)");
            return BAD_INPUT;
        });
        return cli.execute(args);
    }

    private static int fail(CommandLine commandLine, String line, int code) {
        commandLine.getErr().println(line);
        LAST_ERROR.set(line);
        return code;
    }

    /** The I/O failure at the root of {@code e} (a full disk, an unreachable file system), if it is one. */
    private static IOException ioCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException io) {
                return io;
            }
        }
        return null;
    }

    private static String describe(IOException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.contains("No space left on device") ? "no space left on the device (" + message + ")"
                : message;
    }
}
