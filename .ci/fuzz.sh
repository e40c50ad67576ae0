#!/usr/bin/env bash
# Time-boxed coverage-guided fuzzing (Jazzer) of the four fuzz targets in one Maven run, a JVM for each
# (Jazzer fuzzes one @FuzzTest per JVM: -DreuseForks=false forks one per test class). Each runs for its
# annotation's maxDuration (10 s) unless JAZZER_MAX_DURATION says otherwise (e.g. 30m). A crash fails the
# script and leaves its input in the target's src/test/resources/.../<Class>Inputs/<method>/ directory:
# commit it with the fix. docs/security.md, "Fuzzing".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export JAZZER_FUZZ=1
targets="ImageDecoderFuzzTest,DatasetUriFuzzTest,RunSpecsFuzzTest,ViewIntakeFuzzTest"
echo "fuzz: $targets for ${JAZZER_MAX_DURATION:-10s} each"
./mvnw -q test -pl core,trainer-service -am -Dtest="$targets" -DreuseForks=false \
  -Dsurefire.failIfNoSpecifiedTests=false "$@"
echo "fuzz: no crash"
