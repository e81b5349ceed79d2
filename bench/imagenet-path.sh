#!/usr/bin/env bash
# Acceptance benchmark of the ImageNet path: Fashion-MNIST -> convert (ILSVRC layout, JPEG) -> prepare (shards) ->
# train --data imagenet:, next to train --data fashion-mnist (IDX), same model and epochs, in one run.
# Results: bench/results/imagenet-path.{json,md}. Needs the Debian package dataset-fashion-mnist.
# Usage: bench/imagenet-path.sh [epochs=2] [work folder=/tmp/synergy-imagenet-path]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bench/jvm/classpath.sh
SYNERGY_MAIN_CLASS=ai.synergy.bench.ImagenetPathBench exec bin/synergy "${1:-2}" "${2:-/tmp/synergy-imagenet-path}" \
  bench/results
