#!/usr/bin/env bash
# Packs what a GPU machine with nothing installed needs to run the Node CLI on WebGPU (Dawn) into
# .gpu/ (ignored by git): this machine's Node binary and Dawn's dawn.node (xz), the CLI bundled with
# esbuild (tfjs and all, `webgpu` left external), scripts/gpu/probe.mjs, and the scenes and starting
# weights named in GPU_DATA (folders copied under .gpu/data/), and with GPU_BASELINE_REF the bench of
# that commit as .gpu/bench-base.mjs. The Vulkan and GL loaders come as
# Debian packages in .gl/ (see the device tool's README). Then run scripts/gpu/run.sh there with .gpu
# and .gl carried.
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf .gpu && mkdir -p .gpu/node_modules/webgpu/dist/linux-x64 .gpu/data
banner="import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);"
for n in bench train eval; do
  npx esbuild "cli/$n.ts" --bundle --platform=node --format=esm --outfile=".gpu/$n.mjs" --external:webgpu --log-level=warning --banner:js="$banner"
done
if [ -n "${GPU_BASELINE_REF:-}" ]; then
  # the bench of another commit, for a before/after on the GPU machine (a worktree sharing node_modules)
  base=$(mktemp -d)
  git worktree add --detach "$base" "$GPU_BASELINE_REF" > /dev/null
  ln -s "$PWD/node_modules" "$base/node_modules"
  npx esbuild "$base/cli/bench.ts" --bundle --platform=node --format=esm --outfile=.gpu/bench-base.mjs --external:webgpu --log-level=warning --banner:js="$banner"
  git rev-parse --short "$GPU_BASELINE_REF" > .gpu/bench-base.ref
  git worktree remove --force "$base"
fi
cp scripts/gpu/probe.mjs .gpu/
cp node_modules/webgpu/index.js node_modules/webgpu/package.json .gpu/node_modules/webgpu/
xz -T2 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > .gpu/dawn.node.xz
xz -T2 -6 -c "$(command -v node)" > .gpu/node.xz
for f in .gpu/*.mjs; do [ "$f" = .gpu/probe.mjs ] || xz -T2 -6 "$f"; done # the working tree that travels is capped at 64 MiB
for d in ${GPU_DATA:-}; do cp -rL "$d" .gpu/data/; done
du -sh .gpu
