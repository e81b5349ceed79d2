#!/usr/bin/env bash
# Benchmark: the per-round overhead of synchronous parameter averaging before and after a change, side by side in one
# run: `synergy train` on Spark local[2] from a "before" tree (the given revision, exported with git archive into the
# work folder and built there offline, classes only) and from this checkout, alternating, every run its own JVM;
# ResNet-20 at 32, ResNet-18 at 96 and PGD-3 ResNet-20, each run's images/s and epoch time split. Results:
# bench/results/round-overhead.{json,md}. Needs dataset-fashion-mnist.
# Usage: bench/round-overhead.sh [repetitions=2] [before revision=main] [work folder=/tmp/synergy-round-overhead]
#   SYNERGY_BENCH_ONLY=resnet18-96 measures one workload.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
revision="$(git rev-parse --short "${2:-main}")"
work="${3:-/tmp/synergy-round-overhead}"
before="$work/before-$revision"
if [[ ! -d "$before/spark-jobs/target/classes" ]]; then
  rm -rf "$before" && mkdir -p "$before"
  git archive "$revision" | tar -x -C "$before"
  (cd "$before" && mvn -q -B -o -DskipTests -Dshade.skip=true -pl common,spark-jobs package) >&2
fi
source bench/jvm/classpath.sh
SYNERGY_MAIN_CLASS=ai.synergy.bench.RoundOverheadBench \
SYNERGY_JAVA_OPTS="-Xmx1g -Dsynergy.bench.root=$root -Dsynergy.bench.before=$before \
-Dsynergy.bench.beforeRevision=$revision -Dsynergy.bench.only=${SYNERGY_BENCH_ONLY:-}" \
  exec bin/synergy "${1:-2}" "$work" bench/results
