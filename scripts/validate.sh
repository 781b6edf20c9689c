#!/usr/bin/env bash
# The figures on the six validation scenes (../shared/data/stereo; no model here is trained on them):
# the general model zero-shot, then adapted to one scene at a time for each budget, every map scored.
#
#   bash scripts/validate.sh <run dir of the general model> <out dir> [budget seconds ...]
#
# <run dir> holds after-distill/ and final/ (npm run train --out on the corpus). Writes
# <out>/zero-shot.json and <out>/<scene>-<budget>s.json (cli/eval.ts's JSON), the adaptation logs, and
# <out>/table.md (scripts/validation-table.ts: with SGBM and the best constant guess).
# Adaptation: `npm run train -- --weights <run>/final --scenes <scene> --stage all --budgetSeconds B`,
# the crop of the general model's training, two wasm threads; one scene at a time, so each gets the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:?run dir of the general model}
out=${2:?out dir}
shift 2
budgets=("$@")
scenes_root=${RD_SHARED:-../shared}/data/stereo
[ -d "$scenes_root" ] || { echo "validate: no $scenes_root (the validation scenes are in the shared data folder)" >&2; exit 1; }
mkdir -p "$out"
size=$(node -e "const s=require('./$run/final/model.json').userDefinedMetadata.settings; console.log(s.width+'x'+s.height)")
npx tsx cli/eval.ts --weights "$run" --scenes "$scenes_root" --threads 2 --json "$out/zero-shot.json" > "$out/zero-shot.txt"
for b in "${budgets[@]}"; do
  for dir in "$scenes_root"/*/; do
    scene=$(basename "$dir")
    tmp=$(mktemp -d)
    # the budget is wall-clock: the log says how much set-up (start-up, reading, saving) came on top
    npx tsx cli/train.ts --weights "$run/final" --scenes "$dir" --stage all --budgetSeconds "$b" --size "$size" --threads 2 --out "$tmp" > "$out/$scene-${b}s.log" 2>&1
    npx tsx cli/eval.ts --weights "$tmp" --scenes "$dir" --threads 2 --json "$out/$scene-${b}s.json" > "$out/$scene-${b}s.txt"
    rm -rf "$tmp"
  done
done
npx tsx scripts/validation-table.ts "$out" > "$out/table.md"
cat "$out/table.md"
