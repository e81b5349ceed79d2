#!/usr/bin/env bash
# Benchmark: the robust-compression chain (DKS -> PGD + ADMM pruning at 80% -> INQ 5/4-bit, docs/methods.md section 6)
# on Fashion-MNIST with ResNet-8; APGD-CE vs PGD-20 on a dense robust and the pruned robust model; the pruned robust
# model's robust accuracy before and after INQ 5/4/3-bit with and without quantize --adversarial pgd. One resumable
# run (rerun the same line to continue; delete the work folder for a new one). Results:
# bench/results/robust-compression.{json,md}. Needs the Debian package dataset-fashion-mnist.
# Usage: bench/robust-compression.sh [train images=10000] [test images=1000] [dks epochs=3] [admm epochs=2]
#        [retrain epochs=2] [training PGD steps=3] [work folder=/tmp/synergy-robust-compression-bench]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bench/jvm/classpath.sh
SYNERGY_MAIN_CLASS=ai.synergy.bench.RobustCompressionBench exec bin/synergy "${1:-10000}" "${2:-1000}" "${3:-3}" \
  "${4:-2}" "${5:-2}" "${6:-3}" bench/results "${7:-/tmp/synergy-robust-compression-bench}"
