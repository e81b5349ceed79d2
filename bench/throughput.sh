#!/usr/bin/env bash
# Benchmark: training throughput side by side in one run (medians of repetitions, every measurement its own JVM):
# ND4J GEMM peak; ResNet-20 (3x32x32, batch 64), ResNet-18 and ResNet-50 (3x224x224, batch 8) images/s in a single DL4J JVM,
# in `synergy train` on Spark local[2] and on a loopback cluster (2 single-core executors), with each Spark epoch's
# time split (compute, data, averaging/broadcast, scheduling); and PyTorch CPU through DJL (bench/pytorch-anchor,
# built here with -Ppytorch-anchor; libtorch comes from Maven Central's pytorch-native-cpu jar, no download at run
# time) as the outside anchor, as one 2-thread JVM and as two single-thread JVMs side by side (one thread per worker,
# as local[2] runs). Results: bench/results/throughput.{json,md}. Needs dataset-fashion-mnist.
# Usage: bench/throughput.sh [repetitions=3] [work folder=/tmp/synergy-throughput]
#   SYNERGY_BENCH_ONLY=resnet20 measures one model (a list: resnet18,resnet50); SYNERGY_BENCH_ANCHOR=0 skips PyTorch; SYNERGY_BENCH_CLUSTER=0
#   skips the loopback cluster; SYNERGY_BENCH_NAME (default throughput) names the result files (a partial run should
#   not replace the full one's); the "-convdl4j" runs use DL4J's convolution helper instead of ours;
#   SYNERGY_BENCH_GROUPS (default all) picks groups of runs: single, local2, cluster, anchor (comma-separated); the
#   cluster group also runs "cluster-sparkexchange", the rounds' arrays through Spark instead of the round server;
#   SYNERGY_BENCH_VARIANTS=0 leaves out the "before" variants (DL4J's convolution and batch-norm helpers, G1);
#   SYNERGY_BENCH_ANCHOR_WAIT_POLICY (default ACTIVE, PyTorch's own default) is PyTorch's OMP_WAIT_POLICY: PASSIVE
#   is kinder to a shared machine but halves PyTorch's speed on a quiet one. The DL4J runs get no OMP_WAIT_POLICY.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bench/jvm/classpath.sh
if [[ "${SYNERGY_BENCH_ANCHOR:-1}" != "0" && ( -z "${SYNERGY_BENCH_GROUPS:-}" || "${SYNERGY_BENCH_GROUPS}" == *anchor* ) ]]; then
  mvn -q -B -Ppytorch-anchor -pl bench/pytorch-anchor -am -DskipTests package >&2
fi
SYNERGY_MAIN_CLASS=ai.synergy.bench.ThroughputBench \
SYNERGY_JAVA_OPTS="-Xmx2g -Dsynergy.bench.root=$root -Dsynergy.bench.only=${SYNERGY_BENCH_ONLY:-} \
-Dsynergy.bench.cluster=$([[ "${SYNERGY_BENCH_CLUSTER:-1}" != "0" ]] && echo true || echo false) \
-Dsynergy.bench.name=${SYNERGY_BENCH_NAME:-throughput} -Dsynergy.bench.groups=${SYNERGY_BENCH_GROUPS:-} \
-Dsynergy.bench.variants=$([[ "${SYNERGY_BENCH_VARIANTS:-1}" != "0" ]] && echo true || echo false) \
-Dsynergy.bench.anchorWaitPolicy=${SYNERGY_BENCH_ANCHOR_WAIT_POLICY:-ACTIVE} \
-Dsynergy.bench.anchor=$([[ "${SYNERGY_BENCH_ANCHOR:-1}" != "0" ]] && echo true || echo false)" \
  exec bin/synergy "${1:-3}" "${2:-/tmp/synergy-throughput}" bench/results
