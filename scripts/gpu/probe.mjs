// What Dawn finds on this machine: the adapter it would pick, and every adapter it lists.
import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const gpu = create([]);
const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
if (!a) {
  console.log('probe: no WebGPU adapter');
  try { await create(['adapter=?']).requestAdapter(); } catch (e) { console.log(String(e)); }
  process.exit(2);
}
const i = a.info;
console.log(`probe: adapter ${i.vendor} | ${i.architecture} | ${i.device} | ${i.description} | fallback ${Boolean(i.isFallbackAdapter)}`);
console.log(`probe: features ${[...a.features].sort().join(' ')}`);
const real = !i.isFallbackAdapter && !/swiftshader|llvmpipe/i.test(`${i.architecture} ${i.description} ${i.vendor}`);
process.exit(real ? 0 : 3);
