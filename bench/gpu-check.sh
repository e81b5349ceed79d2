#!/usr/bin/env bash
# GPU check, for a machine with an NVIDIA GPU (driver + nvidia-smi) and Maven access to ND4J's CUDA artifacts:
# trains ResNet-20 on Fashion-MNIST for one epoch with the CPU build, rebuilds with -Pcuda, trains the same epoch on
# the GPU, and prints both images/s and their ratio (also into bench/results/gpu-check.md). The CPU build is
# restored at the end. Usage: bench/gpu-check.sh [train images=20000] [batch=128]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
limit="${1:-20000}"
batch="${2:-128}"
if ! gpu=$(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null | head -n 1) || [[ -z "$gpu" ]]; then
  echo "gpu-check: nvidia-smi is missing or lists no GPU; run this on a machine with an NVIDIA GPU" >&2
  exit 2
fi
work="$(mktemp -d /tmp/synergy-gpu-check.XXXXXX)"
args=(train --data fashion-mnist --train-limit "$limit" --test-limit 2000 --model resnet20 --epochs 1 --workers 1
  --batch-size "$batch" --averaging-frequency 10 --lr 0.05 --lr-schedule constant)

images_per_second() { grep -o '"imagesPerSecond":[0-9.Ee+-]*' "$1/metrics.jsonl" | tail -n 1 | cut -d: -f2; }

echo "== CPU build" >&2
mvn -q -B -DskipTests install
bin/synergy "${args[@]}" --out "$work/cpu"
cpu=$(images_per_second "$work/cpu")

echo "== CUDA build (-Pcuda) on $gpu" >&2
restore() { echo "== restoring the CPU build" >&2; mvn -q -B -DskipTests install; }
trap restore EXIT
mvn -q -B -Pcuda -DskipTests install
bin/synergy "${args[@]}" --out "$work/gpu"
gpu_ips=$(images_per_second "$work/gpu")

ratio=$(awk -v g="$gpu_ips" -v c="$cpu" 'BEGIN { printf "%.2f", g / c }')
mkdir -p bench/results
cat > bench/results/gpu-check.md <<MD
# GPU check ($(date -u +%Y-%m-%d))

ResNet-20, Fashion-MNIST first $limit training images, one epoch, one worker, batch $batch, same run.

| build | device | training images/s |
| --- | --- | --- |
| CPU | $(nproc) cores | $cpu |
| CUDA (-Pcuda) | $gpu | $gpu_ips |

GPU / CPU: **${ratio}x**
MD
cat bench/results/gpu-check.md
