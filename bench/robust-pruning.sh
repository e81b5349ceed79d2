#!/usr/bin/env bash
# Benchmark: natural vs PGD training, ADMM pruning under PGD at 80/90/95% (irregular) and 90% (filter), and a small
# dense model of about the 90%-pruned model's size, on Fashion-MNIST, in one run. Each model is scored naturally and
# under PGD-20 (eps 0.1). Results: bench/results/robust-pruning.{json,md}. Needs the Debian package
# dataset-fashion-mnist.
# Usage: bench/robust-pruning.sh [train images=10000] [test images=1000] [dense epochs=3] [admm epochs=2]
#        [retrain epochs=2] [training PGD steps=3]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bench/jvm/classpath.sh
SYNERGY_MAIN_CLASS=ai.synergy.bench.RobustPruningBench exec bin/synergy "${1:-10000}" "${2:-1000}" "${3:-3}" \
  "${4:-2}" "${5:-2}" "${6:-3}" bench/results
