#!/usr/bin/env bash
# Runs on a lent GPU machine (the device tool), from the repository root, with .gpu/ (scripts/gpu/pack.sh)
# and .gl/ carried: unpacks Node and Dawn, probes the adapter, runs `npm run bench` on WebGPU, then,
# in the time left, trains one or more scenes through the three stages on the GPU (all at once) and
# scores them. Everything lands in $OUT: run.log, bench.json, and per scene train-<scene>.log,
# run-<scene>.tar (checkpoints + train-log, refreshed after each stage) and eval-<scene>.json. Each
# phase has its own deadline so that one slow phase cannot cost the rest.
#   GPU_LIMIT_S      seconds for the whole script (default 560)
#   GPU_BENCH_SIZES  default 256x128,512x256,1216x256
#   GPU_BASELINE_SIZES sizes for .gpu/bench-base.mjs, when packed (default 256x128)
#   GPU_SCENE        scene folders under .gpu/data to train, space-separated, all at once, one process
#                    each (default kitti2015_000000; none: no training)
#   GPU_PAR          how much slower a step is with that many processes (default 1 + 0.1 per extra one)
#   GPU_WEIGHTS      checkpoint folder under .gpu/data that stage 1 starts from (optional); where it
#                    holds a checkpoint in <scene>/ or <scene>/after-distill/ (results/weights' layout:
#                    pack results/weights with GPU_DATA, then GPU_WEIGHTS=weights), that scene starts there
#   GPU_TRAIN_SIZE   crop size for training (default 1216x256)
#   GPU_STEPS        "stereo distill fuse" step counts, instead of sizing them from the bench
#   GPU_SPLIT        shares of the training time per stage when sized from the bench
#   GPU_BENCH_ARGS   extra bench options; GPU_TRAIN_ARGS extra train options (a quick local test:
#                    "--preset tiny --steps 1 --warmup 1 --no-inference" and "--preset tiny")
#   GPU_FLAG_SWEEP   space-separated tfjs flag sets (each KEY=VALUE,... as bench's --tf-flags): after
#                    the bench, stage 1 is timed once per set at GPU_SWEEP_SIZES (default
#                    256x128,1216x256), into bench-flags-<n>.json, e.g.
#                    "WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=64 WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE=false"
#   GPU_LOCAL_TEST=1 run here (no loader unpacking into /, no GPU check)
set -u
START=$(date +%s)
LIMIT=${GPU_LIMIT_S:-560}
left() { echo $((LIMIT - ($(date +%s) - START))); }
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/run.log") 2>&1
W=/tmp/rdgpu
rm -rf "$W" && mkdir -p "$W"
unxz() { xz -dc "$1" > "$2" 2>/dev/null || python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; }

if [ -z "${GPU_LOCAL_TEST:-}" ]; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv
  if ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* > /dev/null 2>&1; then
    icd=$(ls /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json 2> /dev/null | head -1)
    [ -n "$icd" ] && export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
    egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
    [ -f "$egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$egl
  fi
  export LD_LIBRARY_PATH=/usr/local/nvidia/lib64:/usr/local/nvidia/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  echo "vulkan icd: ${VK_ICD_FILENAMES:-system}"
fi
unxz .gpu/node.xz "$W/node" && chmod +x "$W/node"
unxz .gpu/dawn.node.xz .gpu/node_modules/webgpu/dist/linux-x64/dawn.node
for f in .gpu/*.mjs.xz; do unxz "$f" "${f%.xz}"; done
NODE=$W/node
echo "node $($NODE --version); $(nproc) cores; $(date -u +%FT%TZ)"

timeout 60 $NODE .gpu/probe.mjs
probe=$?
if [ $probe -ne 0 ] && [ -z "${GPU_LOCAL_TEST:-}" ]; then
  # no adapter through the default loader search: say what is there, then try each NVIDIA ICD file
  ls /usr/local/nvidia /usr/local/nvidia/lib64 2> /dev/null | grep -i -E "lib64|glx|vulkan|nvidia" | head -20
  for icd in $(find /usr/local/nvidia /usr/share/vulkan /etc/vulkan -name '*nvidia*.json' 2> /dev/null); do
    echo "retry with $icd: $(tr -d '\n ' < "$icd")"
    export VK_ICD_FILENAMES=$icd VK_DRIVER_FILES=$icd VK_LOADER_DEBUG=error
    if timeout 60 $NODE .gpu/probe.mjs; then probe=0 && break; fi
  done
fi
if [ $probe -eq 2 ] || { [ $probe -ne 0 ] && [ -z "${GPU_LOCAL_TEST:-}" ]; }; then
  echo "no real GPU adapter (probe exit $probe): stopping"
  exit 1
fi

echo "=== bench ($(left) s left)"
timeout $(($(left) * 2 / 5)) $NODE .gpu/bench.mjs --backends webgpu --sizes "${GPU_BENCH_SIZES:-256x128,512x256,1216x256}" --steps 10 --warmup 2 ${GPU_BENCH_ARGS:-} --json "$OUT/bench.json"
echo "bench exit $?"
if [ -f .gpu/bench-base.mjs ]; then
  # the same benchmark built from another commit (pack.sh with GPU_BASELINE_REF): before/after on one machine
  echo "=== baseline bench $(cat .gpu/bench-base.ref 2> /dev/null) ($(left) s left)"
  timeout $(($(left) / 3)) $NODE .gpu/bench-base.mjs --backends webgpu --sizes "${GPU_BASELINE_SIZES:-256x128}" --steps 10 --warmup 2 --no-inference ${GPU_BENCH_ARGS:-} --json "$OUT/bench-base.json"
  echo "baseline bench exit $?"
fi

n=0
for set in ${GPU_FLAG_SWEEP:-}; do
  n=$((n + 1))
  echo "=== stage 1 with tfjs flags $set ($(left) s left)"
  timeout $(($(left) / 4)) $NODE .gpu/bench.mjs --backends webgpu --sizes "${GPU_SWEEP_SIZES:-256x128,1216x256}" --stages stereo --steps 10 --warmup 2 --no-inference ${GPU_BENCH_ARGS:-} --tf-flags "$set" --json "$OUT/bench-flags-$n.json"
  echo "flags bench exit $?"
done

scenes=(${GPU_SCENE:-kitti2015_000000})
[ "${scenes[0]}" = none ] && exit 0
size=${GPU_TRAIN_SIZE:-1216x256}
tw=${size%x*}
th=${size#*x}
n=${#scenes[@]}
# Several scenes train at once, one Node process each: a step is bound by JavaScript and Dawn encoding
# on one core, and the GPU idles most of it. GPU_PAR: how much slower each step is then (measured on an
# H200 with two: about 1.05; the default keeps a little margin).
par=${GPU_PAR:-$(awk -v n="$n" 'BEGIN { print 1 + 0.1 * (n - 1) }')}
# the training window: all but start-up and scoring; stages get GPU_SPLIT shares of it, each with its
# own deadline, and a stage still running at its deadline is stopped by SIGTERM and saves what it has
split=${GPU_SPLIT:-0.55 0.2 0.25}
win=$(($(left) - 75))
# steps per stage: the bench's median ms per step at the training size times GPU_PAR, 90 % of each share
if [ -n "${GPU_STEPS:-}" ]; then
  read -r s1 s2 s3 <<< "$GPU_STEPS"
else
  read -r s1 s2 s3 <<< "$($NODE -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const ms = (st) => (j.rows.find((r) => r.size === process.argv[2] && r.stage === st && r.stats) || { stats: { medianMs: 1e9 } }).stats.medianMs * Number(process.argv[5]);
    const t = Math.max(0, Number(process.argv[3])) * 0.9 * 1000;
    const n = (f, st) => Math.max(0, f > 0 ? Math.max(1, Math.floor((t * f) / ms(st) / 10) * 10) : 0);
    const [a, b, c] = process.argv[4].split(" ").map(Number);
    console.log(n(a, "stereo"), n(b, "distill"), n(c, "fuse"));' "$OUT/bench.json" "$size" "$win" "$split" "$par" 2> /dev/null || echo 0 0 0)"
fi
read -r f1 f2 f3 <<< "$split"
t0=$(date +%s)
d1=$(awk -v t="$t0" -v w="$win" -v a="$f1" 'BEGIN { printf "%d", t + w * a }')
d2=$(awk -v t="$t0" -v w="$win" -v a="$f1" -v b="$f2" 'BEGIN { printf "%d", t + w * (a + b) }')
d3=$((t0 + win))
echo "=== train ${scenes[*]} at $size: $s1 / $s2 / $s3 steps, $n at once (step time x$par), $win s ($(left) s left)"
[ "$s1" -gt 0 ] || exit 0
until_() { echo $(($1 - $(date +%s) > 5 ? $1 - $(date +%s) : 5)); }
train_scene() {
  local scene=$1 run=$W/run-$1
  mkdir -p "$run"
  local common=(--backend webgpu --scenes ".gpu/data/$scene" --width "$tw" --height "$th" --seed 1 --lrTolerance 2 --out "$run" ${GPU_TRAIN_ARGS:-})
  local w1=()
  if [ -n "${GPU_WEIGHTS:-}" ]; then
    for d in ".gpu/data/$GPU_WEIGHTS/$scene" ".gpu/data/$GPU_WEIGHTS/$scene/after-distill" ".gpu/data/$GPU_WEIGHTS"; do
      [ -f "$d/model.json" ] && w1=(--weights "$d") && break
    done
    [ ${#w1[@]} -eq 0 ] && echo "no checkpoint for $scene under .gpu/data/$GPU_WEIGHTS: from the initial weights"
  fi
  tar_run() { tar -C "$W" -cf "$OUT/run-$scene.tar" "run-$scene"; }
  timeout -k 30 "$(until_ "$d1")" $NODE .gpu/train.mjs "${common[@]}" --stage stereo "${w1[@]}" --stepsStereo "$s1"
  tar_run
  if [ -f "$run/after-stereo/model.json" ] && [ "$s2" -gt 0 ]; then
    timeout -k 30 "$(until_ "$d2")" $NODE .gpu/train.mjs "${common[@]}" --stage distill --weights "$run/after-stereo" --stepsDistill "$s2"
    tar_run
  fi
  if [ -f "$run/after-distill/model.json" ] && [ "$s3" -gt 0 ]; then
    timeout -k 30 "$(until_ "$d3")" $NODE .gpu/train.mjs "${common[@]}" --stage fuse --weights "$run/after-distill" --stepsFuse "$s3"
    tar_run
  fi
  if [ -f "$run/after-distill/model.json" ]; then
    timeout $(($(left) - 5)) $NODE .gpu/eval.mjs --backend webgpu --weights "$run" --scenes ".gpu/data/$scene" --lrTolerance 2 --json "$OUT/eval-$scene.json"
  fi
}
pids=()
for scene in "${scenes[@]}"; do
  train_scene "$scene" > "$OUT/train-$scene.log" 2>&1 &
  pids+=($!)
done
wait "${pids[@]}" # (a bare wait would also wait for the tee above, forever)
for scene in "${scenes[@]}"; do
  echo "--- $scene"
  tr '\r' '\n' < "$OUT/train-$scene.log" | grep -v -E '^\s*$' | awk '/it\/s/ { last = $0; next } { if (last) print last; last = ""; print } END { if (last) print last }'
done
echo "=== done ($(left) s left)"
