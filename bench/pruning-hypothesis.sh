#!/usr/bin/env bash
# Benchmark: the robust-pruning papers' second hypothesis rerun with a fairer schedule than bench/robust-pruning.sh's:
# the full Fashion-MNIST training set, a dense PGD-trained ResNet-8, ADMM 90% under PGD with rho growing every epoch
# until W meets its sparse projection (the residual is reported per epoch), masked retraining, against a small dense
# ResNet-8 of the pruned model's size PGD-trained for as many epochs. Results: bench/results/pruning-hypothesis.{json,md}.
# Needs the Debian package dataset-fashion-mnist. About 75 min on 2 quiet cores with the defaults.
# Usage: bench/pruning-hypothesis.sh [train images=60000] [test images=10000] [dense epochs=6] [admm epochs=8]
#        [retrain epochs=4] [training PGD steps=2] [rho0=0.01] [rho growth per epoch=3] [pruning lr=0.01]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bench/jvm/classpath.sh
SYNERGY_MAIN_CLASS=ai.synergy.bench.PruningHypothesisBench exec bin/synergy "${1:-60000}" "${2:-10000}" "${3:-6}" \
  "${4:-8}" "${5:-4}" "${6:-2}" "${7:-0.01}" "${8:-3}" "${9:-0.01}" bench/results
