#!/usr/bin/env bash
# Benchmark: executor resident memory over a long run on the loopback cluster (2 executor JVMs), to show that ND4J's
# off-heap memory levels off. Results: bench/results/executor-memory.{json,md}. Needs dataset-fashion-mnist.
# Usage: bench/executor-memory.sh [epochs=20] [train images=6000] [model=resnet20]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bench/jvm/classpath.sh
SYNERGY_JAVA_OPTS="${SYNERGY_JAVA_OPTS:--Xmx3g}" SYNERGY_MAIN_CLASS=ai.synergy.bench.ExecutorMemoryBench \
  exec bin/synergy "${1:-20}" "${2:-6000}" "${3:-resnet20}" bench/results
