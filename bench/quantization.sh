#!/usr/bin/env bash
# Benchmark: one float32 ResNet-14 on Fashion-MNIST, then INQ at 5/4/3/2 bits, INQ 5-bit with a random partition,
# SLQ 5-bit and MLQ ternary from that model, in one run. Results: bench/results/quantization.{json,md}.
# Needs the Debian package dataset-fashion-mnist.
# Usage: bench/quantization.sh [train images=10000] [test images=2000] [float epochs=4] [epochs per round=1]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bench/jvm/classpath.sh
SYNERGY_MAIN_CLASS=ai.synergy.bench.QuantizationBench exec bin/synergy "${1:-10000}" "${2:-2000}" "${3:-4}" \
  "${4:-1}" bench/results
