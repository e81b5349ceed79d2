/**
 * The command line (picocli): one main class, one subcommand per job.
 */
package ai.synergy.cli;
