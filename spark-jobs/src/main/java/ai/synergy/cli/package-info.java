/**
 * The command line (picocli): one main class, one subcommand per job; each maps its options onto the job's
 * configuration builder and reports a failed setting under its flag's name.
 */
package ai.synergy.cli;
