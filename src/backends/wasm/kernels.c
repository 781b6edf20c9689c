// Convolution weight gradients for tfjs's wasm backend, as loops over its heap (wasm SIMD).
// Built by scripts/build-wasm-kernels.sh into kernelsWasm.ts; loaded by src/backends/wasm/loader.ts.
//
// Why: tfjs 4.22's wasm backend has no Conv2DBackpropFilter. Written as a Conv2D (the input as the
// batch, the output gradient as the filter), every call builds a new XNNPACK operator: tfjs
// transposes the fresh "filter" and XNNPACK packs it, ~7 ns a value, ~80 ms of a 600 ms stage-1
// step (BENCHMARKS.md, "Filter gradients through XNNPACK rebuild an operator every call"), on top of three
// transposes. This loop reads both operands where they are, in NHWC, and runs at ~31 G multiply-adds/s on one
// thread here (BENCHMARKS.md, "Our own wasm convolution kernels").
#include <wasm_simd128.h>

// The 4 x 8 tile all three kernels use: eight accumulators a0..a7, two vectors (8 channels) for each of four rows of
// the tile, the rows `st` floats apart in memory.
#define TILE_LOAD(p, st)                                                                       \
  v128_t a0 = wasm_v128_load(p), a1 = wasm_v128_load((p) + 4);                                 \
  v128_t a2 = wasm_v128_load((p) + (st)), a3 = wasm_v128_load((p) + (st) + 4);                 \
  v128_t a4 = wasm_v128_load((p) + 2 * (st)), a5 = wasm_v128_load((p) + 2 * (st) + 4);         \
  v128_t a6 = wasm_v128_load((p) + 3 * (st)), a7 = wasm_v128_load((p) + 3 * (st) + 4)
// a0..a7 += the splat of p[j * st] times (v0, v1), for rows j = 0..3
#define TILE_MAC(p, st, v0, v1)                                                                \
  do {                                                                                         \
    v128_t g_ = wasm_v128_load32_splat(p);                                                     \
    a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(g_, v0));                                           \
    a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(g_, v1));                                           \
    g_ = wasm_v128_load32_splat((p) + (st));                                                   \
    a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(g_, v0));                                           \
    a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(g_, v1));                                           \
    g_ = wasm_v128_load32_splat((p) + 2 * (st));                                               \
    a4 = wasm_f32x4_add(a4, wasm_f32x4_mul(g_, v0));                                           \
    a5 = wasm_f32x4_add(a5, wasm_f32x4_mul(g_, v1));                                           \
    g_ = wasm_v128_load32_splat((p) + 3 * (st));                                               \
    a6 = wasm_f32x4_add(a6, wasm_f32x4_mul(g_, v0));                                           \
    a7 = wasm_f32x4_add(a7, wasm_f32x4_mul(g_, v1));                                           \
  } while (0)
#define TILE_STORE(p, st)                                                                      \
  do {                                                                                         \
    wasm_v128_store(p, a0); wasm_v128_store((p) + 4, a1);                                      \
    wasm_v128_store((p) + (st), a2); wasm_v128_store((p) + (st) + 4, a3);                      \
    wasm_v128_store((p) + 2 * (st), a4); wasm_v128_store((p) + 2 * (st) + 4, a5);              \
    wasm_v128_store((p) + 3 * (st), a6); wasm_v128_store((p) + 3 * (st) + 4, a7);              \
  } while (0)

// w[0], w[stride], w[2 stride], w[3 stride] += the lanes of a (no stack: this module has none, see below)
static inline void add_lanes(float* w, int stride, v128_t a) {
  w[0] += wasm_f32x4_extract_lane(a, 0);
  w[stride] += wasm_f32x4_extract_lane(a, 1);
  w[2 * stride] += wasm_f32x4_extract_lane(a, 2);
  w[3 * stride] += wasm_f32x4_extract_lane(a, 3);
}

// dW[kh, kw, ci, co] = sum over b, yo, xo of X[b, yo*s + kh - pad, xo*s + kw - pad, ci] * dY[b, yo, xo, co]
// (zero outside X), for co in [co_begin, co_end). X [B, Hi, Wi, Cin], dY [B, Ho, Wo, Cout], dW [k, k, ldw, Cout], of which
// this writes the Cin input channels dW points at (ldw > Cin: X is one part of a conv's concatenated input).
__attribute__((export_name("filter_grad")))
void filter_grad(const float* X, const float* dY, float* dW, int B, int Hi, int Wi, int Cin, int Ho, int Wo, int Cout,
                 int ldw, int k, int s, int pad, int co_begin, int co_end) {
  for (int t = 0; t < k * k; t++)
    for (int ci = 0; ci < Cin; ci++)
      for (int co = co_begin; co < co_end; co++) dW[(t * ldw + ci) * Cout + co] = 0.0f;
  for (int b = 0; b < B; b++) for (int yo = 0; yo < Ho; yo++) {
    const float* rowD = dY + (b * Ho + yo) * Wo * Cout;
    for (int kh = 0; kh < k; kh++) {
      int yi = yo * s + kh - pad;
      if (yi < 0 || yi >= Hi) continue;
      const float* rowX = X + (b * Hi + yi) * Wi * Cin;
      for (int kw = 0; kw < k; kw++) {
        int off = kw - pad;  // xi = xo * s + off
        int lo = 0;
        while (lo < Wo && lo * s + off < 0) lo++;
        int hi = Wo;
        while (hi > lo && (hi - 1) * s + off >= Wi) hi--;
        if (hi <= lo) continue;
        float* Wt = dW + (kh * k + kw) * ldw * Cout;
        const float* x0p = rowX + (lo * s + off) * Cin;
        const float* d0p = rowD + lo * Cout;
        int xstep = s * Cin;
        int n = hi - lo;
        int co = co_begin;
        // 4 input channels x 8 output channels: 8 accumulators
        for (; co + 8 <= co_end; co += 8) {
          int ci = 0;
          for (; ci + 4 <= Cin; ci += 4) {
            float* w = Wt + ci * Cout + co;
            TILE_LOAD(w, Cout);
            const float* xp = x0p + ci;
            const float* dp = d0p + co;
            for (int i = 0; i < n; i++) {
              v128_t d0 = wasm_v128_load(dp), d1 = wasm_v128_load(dp + 4);
              TILE_MAC(xp, 1, d0, d1);
              xp += xstep;
              dp += Cout;
            }
            TILE_STORE(w, Cout);
          }
          for (; ci < Cin; ci++) {
            float* w = Wt + ci * Cout + co;
            v128_t a0 = wasm_v128_load(w), a1 = wasm_v128_load(w + 4);
            const float* xp = x0p + ci;
            const float* dp = d0p + co;
            for (int i = 0; i < n; i++) {
              v128_t x = wasm_v128_load32_splat(xp);
              a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(x, wasm_v128_load(dp)));
              a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(x, wasm_v128_load(dp + 4)));
              xp += xstep;
              dp += Cout;
            }
            wasm_v128_store(w, a0); wasm_v128_store(w + 4, a1);
          }
        }
        // 8 input channels x 4 output channels
        for (; co + 4 <= co_end; co += 4) {
          int ci = 0;
          for (; ci + 8 <= Cin; ci += 8) {
            float* w = Wt + ci * Cout + co;
            v128_t a0 = wasm_v128_load(w), a1 = wasm_v128_load(w + Cout), a2 = wasm_v128_load(w + 2 * Cout), a3 = wasm_v128_load(w + 3 * Cout);
            v128_t a4 = wasm_v128_load(w + 4 * Cout), a5 = wasm_v128_load(w + 5 * Cout), a6 = wasm_v128_load(w + 6 * Cout), a7 = wasm_v128_load(w + 7 * Cout);
            const float* xp = x0p + ci;
            const float* dp = d0p + co;
            for (int i = 0; i < n; i++) {
              v128_t d = wasm_v128_load(dp);
              a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load32_splat(xp), d));
              a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load32_splat(xp + 1), d));
              a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load32_splat(xp + 2), d));
              a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load32_splat(xp + 3), d));
              a4 = wasm_f32x4_add(a4, wasm_f32x4_mul(wasm_v128_load32_splat(xp + 4), d));
              a5 = wasm_f32x4_add(a5, wasm_f32x4_mul(wasm_v128_load32_splat(xp + 5), d));
              a6 = wasm_f32x4_add(a6, wasm_f32x4_mul(wasm_v128_load32_splat(xp + 6), d));
              a7 = wasm_f32x4_add(a7, wasm_f32x4_mul(wasm_v128_load32_splat(xp + 7), d));
              xp += xstep;
              dp += Cout;
            }
            wasm_v128_store(w, a0); wasm_v128_store(w + Cout, a1); wasm_v128_store(w + 2 * Cout, a2); wasm_v128_store(w + 3 * Cout, a3);
            wasm_v128_store(w + 4 * Cout, a4); wasm_v128_store(w + 5 * Cout, a5); wasm_v128_store(w + 6 * Cout, a6); wasm_v128_store(w + 7 * Cout, a7);
          }
          for (; ci < Cin; ci++) {
            float* w = Wt + ci * Cout + co;
            v128_t a0 = wasm_v128_load(w);
            const float* xp = x0p + ci;
            const float* dp = d0p + co;
            for (int i = 0; i < n; i++) {
              a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load32_splat(xp), wasm_v128_load(dp)));
              xp += xstep;
              dp += Cout;
            }
            wasm_v128_store(w, a0);
          }
        }
        // the last 1-3 output channels (an output layer's one): vectors over the input channels
        for (; co < co_end; co++) {
          int ci = 0;
          for (; ci + 16 <= Cin; ci += 16) {
            v128_t a0 = wasm_f32x4_const_splat(0), a1 = a0, a2 = a0, a3 = a0;
            const float* xp = x0p + ci;
            const float* dp = d0p + co;
            for (int i = 0; i < n; i++) {
              v128_t d = wasm_v128_load32_splat(dp);
              a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(xp), d));
              a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(xp + 4), d));
              a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load(xp + 8), d));
              a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load(xp + 12), d));
              xp += xstep;
              dp += Cout;
            }
            float* w = Wt + ci * Cout + co;
            add_lanes(w, Cout, a0);
            add_lanes(w + 4 * Cout, Cout, a1);
            add_lanes(w + 8 * Cout, Cout, a2);
            add_lanes(w + 12 * Cout, Cout, a3);
          }
          for (; ci < Cin; ci++) {
            float acc = 0.0f;
            const float* xp = x0p + ci;
            const float* dp = d0p + co;
            for (int i = 0; i < n; i++) {
              acc += *xp * *dp;
              xp += xstep;
              dp += Cout;
            }
            Wt[ci * Cout + co] += acc;
          }
        }
      }
    }
  }
}

// db[co] = sum over the P pixels of dY[p, co], for co in [co_begin, co_end).
__attribute__((export_name("bias_grad")))
void bias_grad(const float* dY, float* db, int P, int Cout, int co_begin, int co_end) {
  int co = co_begin;
  for (; co + 16 <= co_end; co += 16) {
    v128_t a0 = wasm_f32x4_const_splat(0), a1 = a0, a2 = a0, a3 = a0;
    const float* dp = dY + co;
    for (int p = 0; p < P; p++, dp += Cout) {
      a0 = wasm_f32x4_add(a0, wasm_v128_load(dp));
      a1 = wasm_f32x4_add(a1, wasm_v128_load(dp + 4));
      a2 = wasm_f32x4_add(a2, wasm_v128_load(dp + 8));
      a3 = wasm_f32x4_add(a3, wasm_v128_load(dp + 12));
    }
    wasm_v128_store(db + co, a0); wasm_v128_store(db + co + 4, a1);
    wasm_v128_store(db + co + 8, a2); wasm_v128_store(db + co + 12, a3);
  }
  for (; co + 4 <= co_end; co += 4) {
    v128_t a0 = wasm_f32x4_const_splat(0);
    const float* dp = dY + co;
    for (int p = 0; p < P; p++, dp += Cout) a0 = wasm_f32x4_add(a0, wasm_v128_load(dp));
    wasm_v128_store(db + co, a0);
  }
  for (; co < co_end; co++) {
    float acc = 0.0f;
    const float* dp = dY + co;
    for (int p = 0; p < P; p++, dp += Cout) acc += *dp;
    db[co] = acc;
  }
}

// One pixel's 8 input channels (two vectors) += dY[d, 0..Cout) x WT[w + co * ldw, 8 wide], over co.
#define ACC8(a0, a1, dp, wp)                                            \
  for (int co = 0; co < Cout; co++) {                                   \
    v128_t g = wasm_v128_load32_splat((dp) + co);                       \
    a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(g, wasm_v128_load((wp) + co * ldw)));     \
    a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(g, wasm_v128_load((wp) + co * ldw + 4))); \
  }

// dX[b, yi, xi, ci] = sum over kh, kw, co of dY[b, yo, xo, co] * W[kh, kw, ci, co], where yi = yo*s + kh - pad and
// xi = xo*s + kw - pad, for the rows r = b * Hi + yi in [row_begin, row_end). WT is W with its last two axes swapped
// ([k, k, Cout, ldw]: a run of input channels is contiguous; WT points at this input's first channel, ldw > Cin
// where it is one part of a conv's concatenated input). dY [B, Ho, Wo, Cout], dX [B, Hi, Wi, Cin]. At stride 2 the
// output gradient is not dilated with zeros: each input pixel meets only the taps that reach it.
__attribute__((export_name("input_grad")))
void input_grad(const float* dY, const float* WT, float* dX, int B, int Hi, int Wi, int Cin, int Ho, int Wo, int Cout,
                int ldw, int k, int s, int pad, int row_begin, int row_end) {
  for (int r = row_begin; r < row_end; r++) {
    int b = r / Hi, yi = r % Hi;
    float* rowX = dX + r * Wi * Cin;
    for (int i = 0; i < Wi * Cin; i++) rowX[i] = 0.0f;
    for (int kh = 0; kh < k; kh++) {
      int t = yi + pad - kh;
      if (t < 0 || t % s != 0) continue;
      int yo = t / s;
      if (yo >= Ho) continue;
      const float* rowD = dY + (b * Ho + yo) * Wo * Cout;
      for (int kw = 0; kw < k; kw++) {
        const float* Wk = WT + (kh * k + kw) * Cout * ldw;
        // the input pixels this tap reaches: xi = xo*s + kw - pad for xo in [0, Wo), inside [0, Wi)
        int xo_lo = 0;
        while (xo_lo < Wo && xo_lo * s + kw - pad < 0) xo_lo++;
        int xo_hi = Wo;
        while (xo_hi > xo_lo && (xo_hi - 1) * s + kw - pad >= Wi) xo_hi--;
        int ci = 0;
        for (; ci + 8 <= Cin; ci += 8) {
          const float* wp = Wk + ci;
          int xo = xo_lo;
          // four pixels at a time: 8 accumulators
          for (; xo + 4 <= xo_hi; xo += 4) {
            float* x0 = rowX + (xo * s + kw - pad) * Cin + ci;
            int xs = s * Cin;
            const float* d0 = rowD + xo * Cout;
            TILE_LOAD(x0, xs);
            for (int co = 0; co < Cout; co++) {
              v128_t w0 = wasm_v128_load(wp + co * ldw), w1 = wasm_v128_load(wp + co * ldw + 4);
              TILE_MAC(d0 + co, Cout, w0, w1);
            }
            TILE_STORE(x0, xs);
          }
          for (; xo < xo_hi; xo++) {
            float* x0 = rowX + (xo * s + kw - pad) * Cin + ci;
            const float* d0 = rowD + xo * Cout;
            v128_t a0 = wasm_v128_load(x0), a1 = wasm_v128_load(x0 + 4);
            ACC8(a0, a1, d0, wp)
            wasm_v128_store(x0, a0); wasm_v128_store(x0 + 4, a1);
          }
        }
        for (; ci + 4 <= Cin; ci += 4) {
          const float* wp = Wk + ci;
          for (int xo = xo_lo; xo < xo_hi; xo++) {
            float* x0 = rowX + (xo * s + kw - pad) * Cin + ci;
            const float* d0 = rowD + xo * Cout;
            v128_t a0 = wasm_v128_load(x0);
            for (int co = 0; co < Cout; co++) a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load32_splat(d0 + co), wasm_v128_load(wp + co * ldw)));
            wasm_v128_store(x0, a0);
          }
        }
        for (; ci < Cin; ci++) {
          const float* wp = Wk + ci;
          for (int xo = xo_lo; xo < xo_hi; xo++) {
            float* x0 = rowX + (xo * s + kw - pad) * Cin + ci;
            const float* d0 = rowD + xo * Cout;
            float acc = *x0;
            for (int co = 0; co < Cout; co++) acc += d0[co] * wp[co * ldw];
            *x0 = acc;
          }
        }
      }
    }
  }
}

// The activation of the forward pass: 0 linear, 1 relu, 2 leaky relu max(z, slope z).
static inline v128_t activate(v128_t z, int act, v128_t slope) {
  if (act == 1) return wasm_f32x4_pmax(z, wasm_f32x4_const_splat(0));
  if (act == 2) return wasm_f32x4_pmax(z, wasm_f32x4_mul(z, slope));
  return z;
}
static inline float activate1(float z, int act, float slope) {
  if (act == 1) return z > 0 ? z : 0.0f;
  if (act == 2) return z > 0 ? z : z * slope;
  return z;
}

// One pixel's 8 output channels += X[xp, 0..Cin) x W[wp + ci * Cout, 8 wide], over ci.
#define FWD8(a0, a1, xp, wp)                                                          \
  for (int ci = 0; ci < Cin; ci++) {                                                  \
    v128_t xv = wasm_v128_load32_splat((xp) + ci);                                    \
    a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(xv, wasm_v128_load((wp) + ci * Cout)));     \
    a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(xv, wasm_v128_load((wp) + ci * Cout + 4))); \
  }

// Y[b, yo, xo, co] = act(bias[co] + sum over kh, kw, ci of X[b, yo*s + kh - pad, xo*s + kw - pad, ci] W[kh, kw, ci, co])
// (zero outside X), for the rows r = b * Ho + yo in [row_begin, row_end). X [B, Hi, Wi, Cin], W [k, k, ldw, Cout] from the
// input channel W points at, Y [B, Ho, Wo, Cout]. A conv of several inputs concatenated on the channels is one call per
// input (ldw > Cin): `first` starts from the bias (else from what Y holds), `last` applies the activation (else stores
// the sum). slope_bits: the leaky ReLU's slope as the bits of a float32 (the helper thread passes int32s).
__attribute__((export_name("conv_forward")))
void conv_forward(const float* X, const float* W, const float* bias, float* Y, int B, int Hi, int Wi, int Cin, int Ho,
                  int Wo, int Cout, int ldw, int k, int s, int pad, int act, int slope_bits, int first, int last,
                  int row_begin, int row_end) {
  if (!last) act = 0;
  union { int i; float f; } sl;
  sl.i = slope_bits;
  const float slope = sl.f;
  const v128_t vslope = wasm_f32x4_splat(slope);
  for (int r = row_begin; r < row_end; r++) {
    int b = r / Ho, yo = r % Ho;
    float* rowY = Y + r * Wo * Cout;
    int co = 0;
    for (; co + 8 <= Cout; co += 8) {
      v128_t b0 = wasm_v128_load(bias + co), b1 = wasm_v128_load(bias + co + 4);
      int xo = 0;
      for (; xo + 4 <= Wo; xo += 4) {
        v128_t a0 = b0, a1 = b1, a2 = b0, a3 = b1, a4 = b0, a5 = b1, a6 = b0, a7 = b1;
        if (!first) {
          const float* y = rowY + xo * Cout + co;
          a0 = wasm_v128_load(y); a1 = wasm_v128_load(y + 4);
          a2 = wasm_v128_load(y + Cout); a3 = wasm_v128_load(y + Cout + 4);
          a4 = wasm_v128_load(y + 2 * Cout); a5 = wasm_v128_load(y + 2 * Cout + 4);
          a6 = wasm_v128_load(y + 3 * Cout); a7 = wasm_v128_load(y + 3 * Cout + 4);
        }
        for (int kh = 0; kh < k; kh++) {
          int yi = yo * s + kh - pad;
          if (yi < 0 || yi >= Hi) continue;
          const float* rowX = X + (b * Hi + yi) * Wi * Cin;
          for (int kw = 0; kw < k; kw++) {
            const float* wp = W + (kh * k + kw) * ldw * Cout + co;
            int xi0 = xo * s + kw - pad;
            int xi3 = (xo + 3) * s + kw - pad;
            if (xi0 >= 0 && xi3 < Wi) {
              const float* x0 = rowX + xi0 * Cin;
              int xs = s * Cin;
              for (int ci = 0; ci < Cin; ci++) {
                v128_t w0 = wasm_v128_load(wp + ci * Cout), w1 = wasm_v128_load(wp + ci * Cout + 4);
                TILE_MAC(x0 + ci, xs, w0, w1);
              }
            } else {
              // a tile at the edge: each pixel whose input is inside
              int xi;
              xi = xi0;
              if (xi >= 0 && xi < Wi) { FWD8(a0, a1, rowX + xi * Cin, wp) }
              xi = xi0 + s;
              if (xi >= 0 && xi < Wi) { FWD8(a2, a3, rowX + xi * Cin, wp) }
              xi = xi0 + 2 * s;
              if (xi >= 0 && xi < Wi) { FWD8(a4, a5, rowX + xi * Cin, wp) }
              xi = xi3;
              if (xi >= 0 && xi < Wi) { FWD8(a6, a7, rowX + xi * Cin, wp) }
            }
          }
        }
        float* y = rowY + xo * Cout + co;
        wasm_v128_store(y, activate(a0, act, vslope)); wasm_v128_store(y + 4, activate(a1, act, vslope));
        wasm_v128_store(y + Cout, activate(a2, act, vslope)); wasm_v128_store(y + Cout + 4, activate(a3, act, vslope));
        wasm_v128_store(y + 2 * Cout, activate(a4, act, vslope)); wasm_v128_store(y + 2 * Cout + 4, activate(a5, act, vslope));
        wasm_v128_store(y + 3 * Cout, activate(a6, act, vslope)); wasm_v128_store(y + 3 * Cout + 4, activate(a7, act, vslope));
      }
      for (; xo < Wo; xo++) {
        v128_t a0 = b0, a1 = b1;
        if (!first) {
          a0 = wasm_v128_load(rowY + xo * Cout + co);
          a1 = wasm_v128_load(rowY + xo * Cout + co + 4);
        }
        for (int kh = 0; kh < k; kh++) {
          int yi = yo * s + kh - pad;
          if (yi < 0 || yi >= Hi) continue;
          const float* rowX = X + (b * Hi + yi) * Wi * Cin;
          for (int kw = 0; kw < k; kw++) {
            int xi = xo * s + kw - pad;
            if (xi < 0 || xi >= Wi) continue;
            const float* wp = W + (kh * k + kw) * ldw * Cout + co;
            FWD8(a0, a1, rowX + xi * Cin, wp)
          }
        }
        float* y = rowY + xo * Cout + co;
        wasm_v128_store(y, activate(a0, act, vslope));
        wasm_v128_store(y + 4, activate(a1, act, vslope));
      }
    }
    // the last output channels (an output layer's one): per pixel and channel, vectors over the input channels
    for (; co < Cout; co++) {
      for (int xo = 0; xo < Wo; xo++) {
        v128_t acc = wasm_f32x4_const_splat(0);
        float tail = 0.0f;
        for (int kh = 0; kh < k; kh++) {
          int yi = yo * s + kh - pad;
          if (yi < 0 || yi >= Hi) continue;
          const float* rowX = X + (b * Hi + yi) * Wi * Cin;
          for (int kw = 0; kw < k; kw++) {
            int xi = xo * s + kw - pad;
            if (xi < 0 || xi >= Wi) continue;
            const float* xp = rowX + xi * Cin;
            const float* wp = W + (kh * k + kw) * ldw * Cout + co;
            int ci = 0;
            if (Cout == 1) {
              for (; ci + 4 <= Cin; ci += 4) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(xp + ci), wasm_v128_load(wp + ci)));
            }
            for (; ci < Cin; ci++) tail += xp[ci] * wp[ci * Cout];
          }
        }
        float z = (first ? bias[co] : rowY[xo * Cout + co]) + tail + wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1) + wasm_f32x4_extract_lane(acc, 2) +
                  wasm_f32x4_extract_lane(acc, 3);
        rowY[xo * Cout + co] = activate1(z, act, slope);
      }
    }
  }
}
