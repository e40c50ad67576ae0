#!/usr/bin/env bash
# Acceptance check of the EmbedService from a foreign client, one command, against a running
# pipeline (./twinview up) and a run with a checkpoint:
#   bench/embed-client/check.sh RUN_ID [STEP|best]
# Writes 64 CIFAR-format images, embeds them with ./twinview embed (EmbedStream, Java), then embeds
# the first 16 with Embed from Node.js and compares to 1e-5.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
run="${1:?usage: check.sh RUN_ID [STEP|best]}"
step="${2:-0}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
[ -d "$here/node_modules/@grpc/grpc-js" ] || (cd "$here" && npm ci --no-audit --no-fund)
node "$here/make-cifar.mjs" "$work/cifar" 64 7
"$root/twinview" embed --run-id "$run" --step "$step" --dataset "cifar10:$work/cifar?split=test" \
  --out "$work/embeddings.safetensors"
tls=()
[ -f "$root/.twinview/up/grpc/server.crt" ] && tls=(--ca "$root/.twinview/up/grpc/server.crt")
[ -f "$root/.twinview/up/token" ] && tls+=(--token-file "$root/.twinview/up/token")
node "$here/compare.mjs" --run-id "$run" --step "$step" --cifar "$work/cifar" \
  --embeddings "$work/embeddings.safetensors" --count 16 "${tls[@]}"
