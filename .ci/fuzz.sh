#!/usr/bin/env bash
# Time-boxed coverage-guided fuzzing (Jazzer) of the four fuzz targets, one JVM each (Jazzer fuzzes one
# @FuzzTest per run). Each runs for its annotation's maxDuration (10 s) unless JAZZER_MAX_DURATION
# says otherwise (e.g. 30m). A crash fails the script and leaves its input in the target's
# src/test/resources/.../<Class>Inputs/<method>/ directory: commit it with the fix. docs/security.md, "Fuzzing".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export JAZZER_FUZZ=1
targets=(
  "core ImageDecoderFuzzTest"
  "core DatasetUriFuzzTest"
  "trainer-service RunSpecsFuzzTest"
  "trainer-service ViewIntakeFuzzTest"
)
for target in "${targets[@]}"; do
  read -r module test <<<"$target"
  echo "fuzz: $module $test for ${JAZZER_MAX_DURATION:-10s}"
  ./mvnw -q test -pl "$module" -am -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false "$@"
done
echo "fuzz: no crash"
