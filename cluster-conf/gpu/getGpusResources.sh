#!/usr/bin/env bash
# Spark resource discovery script for GPUs (spark.{driver,executor}.resource.gpu.discoveryScript).
# Prints the GPUs this container can see as the JSON Spark expects, e.g. {"name":"gpu","addresses":["0","1"]}.
# YARN (with GPU isolation) and the Kubernetes device plugin expose only the GPUs granted to the container,
# so the indices nvidia-smi lists are exactly the ones Spark may hand to tasks.
# Exits non-zero with a message on stderr when nvidia-smi is missing, fails, or lists no GPU.
set -euo pipefail

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "getGpusResources.sh: nvidia-smi not found on PATH ($PATH); is the NVIDIA driver installed and, in a" \
       "container, are the driver utilities mounted (NVIDIA_DRIVER_CAPABILITIES=compute,utility)?" >&2
  exit 1
fi

if ! listing=$(nvidia-smi --query-gpu=index --format=csv,noheader); then
  echo "getGpusResources.sh: 'nvidia-smi --query-gpu=index --format=csv,noheader' failed" >&2
  exit 1
fi

addresses=""
while IFS= read -r line || [[ -n "$line" ]]; do
  index="${line//[[:space:]]/}"
  [[ -z "$index" ]] && continue
  if [[ ! "$index" =~ ^[0-9]+$ ]]; then
    echo "getGpusResources.sh: unexpected GPU index '$line' from nvidia-smi" >&2
    exit 1
  fi
  addresses+="${addresses:+,}\"$index\""
done <<< "$listing"

if [[ -z "$addresses" ]]; then
  echo "getGpusResources.sh: nvidia-smi lists no GPU" >&2
  exit 1
fi

printf '{"name":"gpu","addresses":[%s]}\n' "$addresses"
