/**
 * Benchmarks run from bench/ (not part of the test suite); each writes its results to bench/results/. Module
 * bench/jvm: built with the rest of the reactor, outside the shaded application jar.
 */
package ai.synergy.bench;
