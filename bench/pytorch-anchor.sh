#!/usr/bin/env bash
# Outside anchor for the DL4J training throughput: ResNet-20/18/50 trained with DJL + PyTorch (libtorch) on CPU, on
# synthetic data; prints one summary line and, with --out, writes a JSON result. Builds the pytorch-anchor profile's
# module offline (its DJL jars, ~111 MB of them libtorch, must already be in ~/.m2), then runs it offline: libtorch
# and the JNI library are extracted from those jars into bench/pytorch-anchor/target/djl-cache, nothing is downloaded.
# Usage: bench/pytorch-anchor.sh [--model resnet20|resnet18|resnet50] [--batch N] [--warmup N] [--steps N] [--windows N]
#                                [--threads N] [--input CxHxW] [--classes N] [--out FILE] [--help]
# e.g.   bench/pytorch-anchor.sh --model resnet20 --batch 64 --threads 2 --warmup 3 --steps 5 --windows 3
# Environment: JAVA (default java), ANCHOR_XMX (JVM heap, default 2g; tensors live off-heap), SKIP_BUILD=1 to reuse
# the last build, OMP_WAIT_POLICY (default PASSIVE: libtorch's libgomp otherwise busy-waits, and on a CPU shared with
# other processes 2 threads on 2 cores then ran 2-5x slower than with PASSIVE; set ACTIVE on a dedicated machine to
# get PyTorch's default behaviour).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
module="$root/bench/pytorch-anchor"
if [[ "${SKIP_BUILD:-0}" != 1 || ! -f "$module/target/classpath.txt" ]]; then
  # build output to stderr, so stdout holds only the summary line
  (cd "$root" && mvn -o -q -B -Ppytorch-anchor -pl bench/pytorch-anchor -am package -DskipTests) >&2
fi
cache="$module/target/djl-cache"
mkdir -p "$cache"
exec env DJL_CACHE_DIR="$cache" ENGINE_CACHE_DIR="$cache" DJL_OFFLINE=true OPT_OUT_TRACKING=true \
  OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" \
  "${JAVA:-java}" -Xmx"${ANCHOR_XMX:-2g}" -Dai.djl.offline=true \
  -cp "$module/target/classes:$(cat "$module/target/classpath.txt")" \
  ai.synergy.bench.anchor.PytorchTrainThroughput "$@"
