#!/usr/bin/env bash
# Benchmark: executor input pipeline (JPEG decode + random-resized-crop 224 + flip, one thread) next to ResNet-18
# training at 224 on all cores, per core, in one run. Results: bench/results/input-pipeline.{json,md}.
# Usage: bench/input-pipeline.sh [repetitions=3] [images=200]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bench/jvm/classpath.sh
SYNERGY_MAIN_CLASS=ai.synergy.bench.InputPipelineBench exec bin/synergy "${1:-3}" "${2:-200}" bench/results
