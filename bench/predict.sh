#!/usr/bin/env bash
# Benchmark: predict against evaluate on the same images, in one run on Spark local[2]. Fashion-MNIST is converted to
# JPEG files and prepared into shards, a ResNet-8 trained one epoch on them; then evaluate on the validation shards,
# predict on the same shards (batch 256 and 64, and the ONNX export in ONNX Runtime) and predict on the validation JPEG
# files (images:), each timed whole.
# Results: bench/results/predict.{json,md}. Needs the Debian package dataset-fashion-mnist.
# Usage: bench/predict.sh [validation images=2000] [repetitions=3] [work folder=/tmp/synergy-predict-bench]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bench/jvm/classpath.sh
SYNERGY_MAIN_CLASS=ai.synergy.bench.PredictBench exec bin/synergy "${1:-2000}" "${2:-3}" \
  "${3:-/tmp/synergy-predict-bench}" bench/results
