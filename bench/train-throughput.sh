#!/usr/bin/env bash
# Benchmark: ResNet-20 training images/s, single JVM vs Spark local[2] (2 workers, averaging frequency 5), side by
# side in one run, plus ND4J's GEMM peak. Results: bench/results/train-throughput.{json,md}.
# Usage: bench/train-throughput.sh [repetitions=3] [images per measurement=12800]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
SYNERGY_MAIN_CLASS=ai.synergy.bench.TrainThroughputBench exec bin/synergy "${1:-3}" "${2:-12800}" bench/results
