#!/usr/bin/env bash
# Adaptation settings compared on corpus pairs held out of the general model's training (cli/corpus.ts CORPUS_VAL;
# never the validation scenes): each named variant adapts each pair for the budget from the general model, then
# cli/eval.ts scores it (the app's refined maps) with the pair's GT. Adaptation itself never reads the GT.
#
#   bash scripts/adapt-heldout.sh <run dir of the general model> <out dir> <budget seconds> "<name>:<train flags>" ... -- <pair> ...
#
# e.g. "default:" "lr1e-4:--lrStereo 1e-4". Writes <out>/<pair>-<name>-<budget>s.{log,txt,json}.
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:?run dir}; out=${2:?out dir}; budget=${3:?budget seconds}; shift 3
variants=()
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do variants+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
corpus=${RD_SHARED:-../shared}/data/corpus
size=$(node -e "const s=require('./$run/final/model.json').userDefinedMetadata.settings; console.log(s.width+'x'+s.height)")
mkdir -p "$out"
for pair in "$@"; do
  for v in "${variants[@]}"; do
    name=${v%%:*}; args=${v#*:}
    tmp=$(mktemp -d)
    # shellcheck disable=SC2086 # the variant's flags are meant to split
    npx tsx cli/train.ts --weights "$run/final" --scenes "$corpus/$pair" --stage all --budgetSeconds "$budget" --size "$size" --threads 2 --out "$tmp" $args > "$out/$pair-$name-${budget}s.log" 2>&1
    npx tsx cli/eval.ts --weights "$tmp" --scenes "$corpus/$pair" --threads 2 --json "$out/$pair-$name-${budget}s.json" > "$out/$pair-$name-${budget}s.txt"
    rm -rf "$tmp"
  done
done
