/**
 * Benchmarks run from bench/ (not part of the test suite); each writes its results to bench/results/.
 */
package ai.synergy.bench;
