// vitest's setup file (vitest.config.ts): the cpu backend's conv kernels, as the app and the CLI register them where
// they set up a backend (src/core/conv.ts). Without them a test's conv on cpu runs the stock ops: right, but not the
// path the app trains on there. Every other override (wasm, WebGPU) stays each test's own registration call, since
// src/backends/wasm loads tfjs's wasm backend, which would change the default backend of every test.
import { registerCpuKernels } from '../backends/cpu';

registerCpuKernels();
