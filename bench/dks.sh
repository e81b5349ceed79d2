#!/usr/bin/env bash
# Benchmark: none vs ds vs dks supervision of the same ResNet on Fashion-MNIST, several seeds, in one run.
# Results: bench/results/dks.{json,md}. Needs the Debian package dataset-fashion-mnist.
# Usage: bench/dks.sh [model=resnet14] [epochs=2] [train images=30000] [seeds=3]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bench/jvm/classpath.sh
SYNERGY_MAIN_CLASS=ai.synergy.bench.DksBench exec bin/synergy "${1:-resnet14}" "${2:-2}" "${3:-30000}" "${4:-3}" \
  bench/results
