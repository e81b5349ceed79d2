#!/usr/bin/env bash
# Benchmark: the convolution routes of issue 20 per convolution shape of a ResNet at 224 (batch 8), 1 and 2 threads,
# in one JVM, alternating: DL4J's layer with its oneDNN helper, with Im2colConvHelper (im2col + one GEMM) and with
# OneDnnConvHelper (oneDNN, cached primitives); GFLOP/s and share of ND4J's GEMM peak measured in the same run.
# Results: bench/results/conv-path.{json,md}.
# Usage: bench/conv-path.sh [repetitions=3] [model=resnet18] [batch=8]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bench/jvm/classpath.sh
SYNERGY_MAIN_CLASS=ai.synergy.bench.ConvPathBench SYNERGY_JAVA_OPTS="${SYNERGY_JAVA_OPTS:--Xmx4g}" \
  exec bin/synergy "${1:-3}" "${2:-resnet18}" "${3:-8}" bench/results
