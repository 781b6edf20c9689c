#!/usr/bin/env bash
# Adapting at the pair's own size against adapting at the scale its answer is given at (inferScale auto), on
# corpus pairs held out of the general model's training (cli/corpus.ts CORPUS_VAL; never the validation scenes).
#
#   bash scripts/adapt-scale.sh <run dir of the general model> <out dir> <budget seconds> <pair> [<pair> ...]
#
# For each pair: `native` adapts on the pair as it is; `factor` adapts on a copy resampled by its inference
# factor (scripts/resample-at-factor.ts). Both are scored on the original pair with its GT (cli/eval.ts,
# inferScale auto), so they differ only in the scale the adaptation trained at.
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:?run dir}; out=${2:?out dir}; budget=${3:?budget seconds}; shift 3
corpus=${RD_SHARED:-../shared}/data/corpus
size=$(node -e "const s=require('./$run/final/model.json').userDefinedMetadata.settings; console.log(s.width+'x'+s.height)")
mkdir -p "$out"
for pair in "$@"; do
  scaled=$(mktemp -d)
  npx tsx scripts/resample-at-factor.ts --weights "$run/final" --scenes "$corpus/$pair" --out "$scaled" | tee "$out/$pair-factor.txt"
  for mode in native factor; do
    src="$corpus/$pair"; [ "$mode" = factor ] && src="$scaled/$pair"
    tmp=$(mktemp -d)
    npx tsx cli/train.ts --weights "$run/final" --scenes "$src" --stage all --budgetSeconds "$budget" --size "$size" --threads 2 --out "$tmp" > "$out/$pair-$mode-${budget}s.log" 2>&1
    npx tsx cli/eval.ts --weights "$tmp" --scenes "$corpus/$pair" --threads 2 --json "$out/$pair-$mode-${budget}s.json" > "$out/$pair-$mode-${budget}s.txt"
    rm -rf "$tmp"
  done
  rm -rf "$scaled"
done
