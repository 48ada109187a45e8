// The time loop of lstmlab's fast path in C++: the LSTM equations per step, forward and back
// through time, without Python dispatch. lstmlab/nn/kernel.py builds this file at first use;
// lstmlab/nn/compiled.py does everything around the loop (input projection, weight gradients).
//
// Layout: rows are time-major, step t holding batch_sizes[t] rows from offset[t] on (a
// PackedSequence's data; padded input has equal batch sizes). Each row holds the directions
// side by side: `gates` is (N, D*4H), direction d's block [i | f | g | o] (PyTorch's order,
// each H wide) at columns d*4H; cells (N, D*H); output (N, D*P), P = proj_size or H. The
// reverse direction walks the steps from last to first. Per step and direction: one matrix
// product for the recurrent term W_hh h_{t-1} (plus one for a projection), and one loop over
// the step's rows and units for the gate arithmetic, written so that the compiler vectorises it.

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/core/LegacyTypeDispatch.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/zeros.h>
#include <torch/library.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <vector>

namespace {

// ---- the gate nonlinearities ----------------------------------------------------------------
// float: exp from the Cephes polynomial (within 2 ulp), branch-free so that loops using it
// vectorise; double: the C library's functions.

inline float exp_float(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  const float rounded = x * 1.44269504088896341f + 12582912.0f;  // 1.5 * 2^23: round to integer
  const float n = rounded - 12582912.0f;
  float r = x - n * 0.693359375f;  // x - n ln 2, in two parts (Cody and Waite)
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;  // 2^n
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

inline float sigmoid(float x) { return 1.0f / (1.0f + exp_float(-x)); }
inline float tanh_(float x) { return 1.0f - 2.0f / (1.0f + exp_float(2.0f * x)); }
inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double tanh_(double x) { return std::tanh(x); }

// Row strides (in elements) of the buffers one step's gate loop reads and writes.
struct Strides {
  int64_t gates;   // D*4H
  int64_t state;   // D*H: cells, tanh_cells, unprojected (and grad_m's own rows: H)
  int64_t c_prev;  // D*H from `cells`, H from c0
};

// ---- one step's gate arithmetic, for `rows` rows of one direction --------------------------

// Forward: `gates` holds the pre-activations less the bias (4H, added here) and receives
// the gates; then c = f * c_prev + i * g, tanh(c), and m = o * tanh(c) (the output before any
// projection).
template <typename T>
inline __attribute__((always_inline)) void gates_forward_impl(
    T* __restrict__ gates, const T* __restrict__ bias, const T* __restrict__ c_prev,
    T* __restrict__ c, T* __restrict__ tanh_c, T* __restrict__ m, int64_t rows, int64_t H,
    Strides s) {
  const T* __restrict__ b_i = bias;
  const T* __restrict__ b_f = bias + H;
  const T* __restrict__ b_g = bias + 2 * H;
  const T* __restrict__ b_o = bias + 3 * H;
  for (int64_t r = 0; r < rows; ++r) {
    T* __restrict__ i = gates + r * s.gates;
    T* __restrict__ f = i + H;
    T* __restrict__ g = f + H;
    T* __restrict__ o = g + H;
    const T* __restrict__ cp = c_prev + r * s.c_prev;
    T* __restrict__ c_r = c + r * s.state;
    T* __restrict__ tc_r = tanh_c + r * s.state;
    T* __restrict__ m_r = m + r * s.state;
    for (int64_t j = 0; j < H; ++j) {
      const T i_j = sigmoid(i[j] + b_i[j]), f_j = sigmoid(f[j] + b_f[j]);
      const T g_j = tanh_(g[j] + b_g[j]), o_j = sigmoid(o[j] + b_o[j]);
      i[j] = i_j;
      f[j] = f_j;
      g[j] = g_j;
      o[j] = o_j;
      const T c_j = f_j * cp[j] + i_j * g_j;
      const T tanh_c_j = tanh_(c_j);
      c_r[j] = c_j;
      tc_r[j] = tanh_c_j;
      m_r[j] = o_j * tanh_c_j;
    }
  }
}

// Backward through one step. `grad_m` (row stride `grad_m_stride`) is dL/dm; without a
// projection (kAddCarry) it is dL/dh from above, and carry_h (dL/dh from the next step) is
// added here. `carry_c` holds dL/dc_t on entry and dL/dc_{t-1} on exit (row stride H).
// Writes dL/d(pre-activation) of each gate into `grad_gates` (row stride s.gates).
template <typename T, bool kAddCarry>
inline __attribute__((always_inline)) void gates_backward_impl(
    const T* __restrict__ gates, const T* __restrict__ c_prev, const T* __restrict__ tanh_c,
    const T* __restrict__ grad_m, int64_t grad_m_stride, const T* __restrict__ carry_h,
    T* __restrict__ carry_c, T* __restrict__ grad_gates, int64_t rows, int64_t H, Strides s) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* __restrict__ i = gates + r * s.gates;
    const T* __restrict__ f = i + H;
    const T* __restrict__ g = f + H;
    const T* __restrict__ o = g + H;
    T* __restrict__ d_i = grad_gates + r * s.gates;
    T* __restrict__ d_f = d_i + H;
    T* __restrict__ d_g = d_f + H;
    T* __restrict__ d_o = d_g + H;
    const T* __restrict__ cp = c_prev + r * s.c_prev;
    const T* __restrict__ tc = tanh_c + r * s.state;
    const T* __restrict__ gm_r = grad_m + r * grad_m_stride;
    const T* __restrict__ ch = carry_h + r * H;
    T* __restrict__ cc = carry_c + r * H;
    for (int64_t j = 0; j < H; ++j) {
      const T gm = kAddCarry ? gm_r[j] + ch[j] : gm_r[j];
      const T i_j = i[j], f_j = f[j], g_j = g[j], o_j = o[j], tc_j = tc[j];
      const T dc = cc[j] + gm * o_j * (T(1) - tc_j * tc_j);
      d_i[j] = dc * g_j * i_j * (T(1) - i_j);
      d_f[j] = dc * cp[j] * f_j * (T(1) - f_j);
      d_g[j] = dc * i_j * (T(1) - g_j * g_j);
      d_o[j] = gm * tc_j * o_j * (T(1) - o_j);
      cc[j] = dc * f_j;
    }
  }
}

// The float loops are compiled for several instruction sets and picked when loaded.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LSTMLAB_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LSTMLAB_CLONES
#endif

LSTMLAB_CLONES void gates_forward(float* gates, const float* bias, const float* c_prev, float* c,
                                  float* tanh_c, float* m, int64_t rows, int64_t H, Strides s) {
  gates_forward_impl<float>(gates, bias, c_prev, c, tanh_c, m, rows, H, s);
}
void gates_forward(double* gates, const double* bias, const double* c_prev, double* c,
                   double* tanh_c, double* m, int64_t rows, int64_t H, Strides s) {
  gates_forward_impl<double>(gates, bias, c_prev, c, tanh_c, m, rows, H, s);
}
LSTMLAB_CLONES void gates_backward(const float* gates, const float* c_prev, const float* tanh_c,
                                   const float* grad_m, int64_t grad_m_stride,
                                   const float* carry_h, float* carry_c, float* grad_gates,
                                   int64_t rows, int64_t H, Strides s) {
  if (carry_h != nullptr) {
    gates_backward_impl<float, true>(gates, c_prev, tanh_c, grad_m, grad_m_stride, carry_h,
                                     carry_c, grad_gates, rows, H, s);
  } else {
    gates_backward_impl<float, false>(gates, c_prev, tanh_c, grad_m, grad_m_stride, carry_h,
                                      carry_c, grad_gates, rows, H, s);
  }
}
void gates_backward(const double* gates, const double* c_prev, const double* tanh_c,
                    const double* grad_m, int64_t grad_m_stride, const double* carry_h,
                    double* carry_c, double* grad_gates, int64_t rows, int64_t H, Strides s) {
  if (carry_h != nullptr) {
    gates_backward_impl<double, true>(gates, c_prev, tanh_c, grad_m, grad_m_stride, carry_h,
                                      carry_c, grad_gates, rows, H, s);
  } else {
    gates_backward_impl<double, false>(gates, c_prev, tanh_c, grad_m, grad_m_stride, carry_h,
                                       carry_c, grad_gates, rows, H, s);
  }
}

// ---- matrix products ------------------------------------------------------------------------
// Per step the products are small, so they call BLAS directly (the Fortran interface that
// libtorch_cpu exports from MKL or OpenBLAS): through ATen each would cost a dispatch and
// checks. The symbols are weak: where a torch build lacks them, a plain loop computes the
// same products.

extern "C" {
void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
            const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
            const float* beta, float* c, const int* ldc) __attribute__((weak));
void dgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
            const double* alpha, const double* a, const int* lda, const double* b,
            const int* ldb, const double* beta, double* c, const int* ldc) __attribute__((weak));
}

template <typename T>
void blas_gemm(char ta, char tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b,
               int ldb, T beta, T* c, int ldc) {
  if constexpr (std::is_same_v<T, float>) {
    sgemm_(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc);
  } else {
    dgemm_(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc);
  }
}

template <typename T>
bool have_blas() {
  if constexpr (std::is_same_v<T, float>) {
    return sgemm_ != nullptr;
  } else {
    return dgemm_ != nullptr;
  }
}

// Row-major C (M x N, row stride ldc) = A' B' + beta C, where A' is A (M x K, row stride lda)
// or, with trans_a, A^T for A stored (K x M); likewise B' (K x N) and trans_b.
template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if (have_blas<T>()) {  // column-major BLAS computes C^T = B'^T A'^T
    blas_gemm<T>(trans_b ? 'T' : 'N', trans_a ? 'T' : 'N', static_cast<int>(N),
                 static_cast<int>(M), static_cast<int>(K), T(1), B, static_cast<int>(ldb), A,
                 static_cast<int>(lda), beta, C, static_cast<int>(ldc));
    return;
  }
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      T sum = 0;
      for (int64_t p = 0; p < K; ++p) {
        sum += (trans_a ? A[p * lda + i] : A[i * lda + p]) *
               (trans_b ? B[j * ldb + p] : B[p * ldb + j]);
      }
      C[i * ldc + j] = (beta == T(0) ? T(0) : beta * C[i * ldc + j]) + sum;
    }
  }
}

// ---- the time steps -----------------------------------------------------------------------

// Where one step of one direction takes its previous state from: rows [0, carried) from the
// step processed before it (`previous`), rows [carried, rows) from the initial state (only in
// the reverse direction of packed input, where shorter sequences start later).
struct Step {
  int64_t t, start, rows, previous, carried;
};

// The steps of direction d (0: forward in time, 1: reverse) in processing order.
std::vector<Step> steps_of(int64_t d, c10::IntArrayRef batch_sizes) {
  const int64_t T = static_cast<int64_t>(batch_sizes.size());
  std::vector<int64_t> offsets(T + 1, 0);
  for (int64_t t = 0; t < T; ++t) offsets[t + 1] = offsets[t] + batch_sizes[t];
  std::vector<Step> steps;
  for (int64_t k = 0; k < T; ++k) {
    const int64_t t = d == 0 ? k : T - 1 - k;
    const int64_t before = d == 0 ? t - 1 : t + 1;  // the step processed before this one
    const bool has_before = before >= 0 && before < T;
    const int64_t carried = has_before ? std::min(batch_sizes[before], batch_sizes[t]) : 0;
    steps.push_back({t, offsets[t], batch_sizes[t], has_before ? offsets[before] : 0, carried});
  }
  return steps;
}

// Rows per parallel chunk: split a step over threads only when it has enough work.
int64_t grain_rows(int64_t H) { return std::max<int64_t>(1, 8192 / std::max<int64_t>(H, 1)); }

void check(const at::Tensor& gates, at::TensorList w_hh, c10::IntArrayRef batch_sizes) {
  TORCH_CHECK(gates.device().is_cpu(), "lstmlab recurrence: CPU tensors only");
  TORCH_CHECK(gates.scalar_type() == at::kFloat || gates.scalar_type() == at::kDouble,
              "lstmlab recurrence: float32 or float64 only");
  TORCH_CHECK(gates.dim() == 2 && gates.is_contiguous(), "lstmlab recurrence: gates (N, D*4H)");
  TORCH_CHECK(!w_hh.empty() && w_hh.size() <= 2, "lstmlab recurrence: one or two directions");
  TORCH_CHECK(!batch_sizes.empty(), "lstmlab recurrence: no time steps");
}

// Copy `rows` rows of `width` elements (source row stride `stride`) into contiguous rows.
template <typename T>
void copy_rows(T* out, const T* in, int64_t rows, int64_t width, int64_t stride) {
  for (int64_t r = 0; r < rows; ++r) std::memcpy(out + r * width, in + r * stride, width * sizeof(T));
}

// ---- the operators --------------------------------------------------------------------------

// gates: (N, D*4H) input terms W_ih x, overwritten with the gates; bias: (D*4H) b_ih + b_hh,
// or undefined. h0 (D, B, P), c0 (D, B, H); w_hh: D tensors (4H, P); w_hr: D tensors (P, H),
// or none.
// Returns (cells, tanh_cells, unprojected, output, h_n, c_n): (N, D*H) three times -- the
// third empty without projection, where it is `output` --, (N, D*P), and (D, B, P), (D, B, H).
std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor> forward(
    at::Tensor gates, const std::optional<at::Tensor>& bias_in, const at::Tensor& h0_in,
    const at::Tensor& c0_in, at::TensorList w_hh, at::TensorList w_hr,
    c10::IntArrayRef batch_sizes) {
  check(gates, w_hh, batch_sizes);
  at::AutoDispatchBelowADInplaceOrView no_autograd;  // the buffers need no graph
  const at::Tensor h0 = h0_in.contiguous(), c0 = c0_in.contiguous();
  const bool projected = !w_hr.empty();
  const int64_t D = static_cast<int64_t>(w_hh.size()), N = gates.size(0);
  const int64_t H = gates.size(1) / (4 * D), P = h0.size(2), B = batch_sizes[0];
  const auto options = gates.options();
  at::Tensor cells = at::empty({N, D * H}, options), tanh_cells = at::empty({N, D * H}, options);
  at::Tensor output = at::empty({N, D * P}, options);
  at::Tensor unprojected = projected ? at::empty({N, D * H}, options) : output;
  at::Tensor h_n = at::empty({D, B, P}, options), c_n = at::empty({D, B, H}, options);
  const at::Tensor bias = bias_in.has_value() && bias_in->defined()
                              ? bias_in->contiguous()
                              : at::zeros({D * 4 * H}, options);

  AT_DISPATCH_FLOATING_TYPES(gates.scalar_type(), "lstmlab_recurrence_forward", [&] {
    for (int64_t d = 0; d < D; ++d) {
      const at::Tensor w_hh_d = w_hh[d].contiguous();  // (4H, P)
      const at::Tensor w_hr_d = projected ? w_hr[d].contiguous() : at::Tensor();  // (P, H)
      const scalar_t* w_hh_p = w_hh_d.const_data_ptr<scalar_t>();
      scalar_t* gates_p = gates.data_ptr<scalar_t>() + d * 4 * H;
      scalar_t* cells_p = cells.data_ptr<scalar_t>() + d * H;
      scalar_t* tanh_p = tanh_cells.data_ptr<scalar_t>() + d * H;
      scalar_t* m_p = unprojected.data_ptr<scalar_t>() + d * H;
      const scalar_t* c0_p = c0[d].const_data_ptr<scalar_t>();
      const scalar_t* h0_p = h0[d].const_data_ptr<scalar_t>();
      const scalar_t* bias_p = bias.const_data_ptr<scalar_t>() + d * 4 * H;
      scalar_t* out_p = output.data_ptr<scalar_t>() + d * P;
      const Strides s{D * 4 * H, D * H, D * H};
      for (const Step& step : steps_of(d, batch_sizes)) {
        // gates += h_{t-1} W_hh^T: carried rows from the step before, the others from h0.
        scalar_t* gates_t = gates_p + step.start * s.gates;
        if (step.carried > 0) {
          gemm<scalar_t>(false, true, step.carried, 4 * H, P, out_p + step.previous * D * P,
                         D * P, w_hh_p, P, 1, gates_t, s.gates);
        }
        if (step.carried < step.rows) {
          gemm<scalar_t>(false, true, step.rows - step.carried, 4 * H, P,
                         h0_p + step.carried * P, P, w_hh_p, P, 1,
                         gates_t + step.carried * s.gates, s.gates);
        }
        // The gate loop, in two parts when some rows start from the initial state. Without a
        // projection m is written straight into `output` (same row stride: P = H).
        auto run = [&](int64_t first, int64_t last, const scalar_t* c_prev, int64_t c_stride) {
          Strides part = s;
          part.c_prev = c_stride;
          at::parallel_for(first, last, grain_rows(H), [&](int64_t begin, int64_t end) {
            const int64_t row = step.start + begin;
            gates_forward(gates_p + row * s.gates, bias_p, c_prev + begin * c_stride,
                          cells_p + row * s.state, tanh_p + row * s.state, m_p + row * s.state,
                          end - begin, H, part);
          });
        };
        run(0, step.carried, cells_p + step.previous * s.state, s.state);
        run(step.carried, step.rows, c0_p, H);
        if (projected) {  // h = m W_hr^T
          gemm<scalar_t>(false, true, step.rows, P, H, m_p + step.start * s.state, s.state,
                         w_hr_d.const_data_ptr<scalar_t>(), H, 0, out_p + step.start * D * P,
                         D * P);
        }
        // Sequences whose last step in this direction this was: their final state.
        const int64_t done_from = d == 0 ? (step.t + 1 < static_cast<int64_t>(batch_sizes.size())
                                                ? batch_sizes[step.t + 1]
                                                : 0)
                                         : (step.t == 0 ? 0 : step.rows);
        const int64_t done = step.rows - done_from;
        if (done > 0) {
          const int64_t row = step.start + done_from;
          copy_rows(h_n[d].data_ptr<scalar_t>() + done_from * P, out_p + row * D * P, done, P,
                    D * P);
          copy_rows(c_n[d].data_ptr<scalar_t>() + done_from * H, cells_p + row * s.state, done,
                    H, s.state);
        }
      }
    }
  });
  return {cells, tanh_cells, projected ? unprojected : at::empty({0}, options), output, h_n, c_n};
}

// Backward through time. grad_output (N, D*P): dL/dh from above for every row; grad_h_n
// (D, B, P) and grad_c_n (D, B, H): the final states' gradients. The other arguments are
// `forward`'s inputs and results (gates after activation). Returns (grad_gates (N, D*4H),
// grad_h (N, D*P): the total dL/dh of every row, only with a projection, else empty;
// grad_h0 (D, B, P), grad_c0 (D, B, H), grad_w_hh (D, 4H, P), grad_bias (D*4H): the sum of
// grad_gates over rows, summed step by step while each step's rows are in cache).
std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor> backward(
    const at::Tensor& grad_output_in, const at::Tensor& grad_h_n, const at::Tensor& grad_c_n,
    const at::Tensor& gates, const at::Tensor& cells, const at::Tensor& tanh_cells,
    const at::Tensor& output, const at::Tensor& h0_in, const at::Tensor& c0_in,
    at::TensorList w_hh, at::TensorList w_hr, c10::IntArrayRef batch_sizes) {
  check(gates, w_hh, batch_sizes);
  at::AutoDispatchBelowADInplaceOrView no_autograd;
  const at::Tensor grad_output = grad_output_in.contiguous();
  const at::Tensor h0 = h0_in.contiguous(), c0 = c0_in.contiguous();
  const bool projected = !w_hr.empty();
  const int64_t D = static_cast<int64_t>(w_hh.size()), N = gates.size(0);
  const int64_t H = gates.size(1) / (4 * D), P = h0.size(2), B = batch_sizes[0];
  const auto options = gates.options();
  at::Tensor grad_gates = at::empty({N, D * 4 * H}, options);
  at::Tensor grad_h = projected ? at::empty({N, D * P}, options) : at::empty({0}, options);
  at::Tensor grad_m = projected ? at::empty({B, H}, options) : at::Tensor();
  at::Tensor carry_h = grad_h_n.contiguous().clone(), carry_c = grad_c_n.contiguous().clone();
  at::Tensor grad_w_hh = at::empty({D, 4 * H, P}, options);
  at::Tensor grad_bias = at::zeros({D * 4 * H}, options);
  at::Tensor h_prev = at::empty({N, P}, options);  // each row's previous h, one direction

  AT_DISPATCH_FLOATING_TYPES(gates.scalar_type(), "lstmlab_recurrence_backward", [&] {
    for (int64_t d = 0; d < D; ++d) {
      at::Tensor carry_h_d = carry_h[d];
      const at::Tensor grad_gates_d = grad_gates.narrow(1, d * 4 * H, 4 * H);
      const at::Tensor w_hh_d = w_hh[d].contiguous();  // (4H, P)
      const at::Tensor w_hr_d = projected ? w_hr[d].contiguous() : at::Tensor();  // (P, H)
      const scalar_t* gates_p = gates.const_data_ptr<scalar_t>() + d * 4 * H;
      const scalar_t* cells_p = cells.const_data_ptr<scalar_t>() + d * H;
      const scalar_t* tanh_p = tanh_cells.const_data_ptr<scalar_t>() + d * H;
      const scalar_t* c0_p = c0[d].const_data_ptr<scalar_t>();
      const scalar_t* h0_p = h0[d].const_data_ptr<scalar_t>();
      const scalar_t* out_p = output.const_data_ptr<scalar_t>() + d * P;
      const scalar_t* grad_out_p = grad_output.const_data_ptr<scalar_t>() + d * P;
      scalar_t* carry_h_p = carry_h_d.data_ptr<scalar_t>();
      scalar_t* carry_c_p = carry_c[d].data_ptr<scalar_t>();
      scalar_t* grad_gates_p = grad_gates.data_ptr<scalar_t>() + d * 4 * H;
      scalar_t* h_prev_p = h_prev.data_ptr<scalar_t>();
      const Strides s{D * 4 * H, D * H, D * H};
      const std::vector<Step> steps = steps_of(d, batch_sizes);
      for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
        const Step& step = *it;
        const scalar_t* gm = grad_out_p + step.start * D * P;
        int64_t gm_stride = D * P;
        const scalar_t* carry = carry_h_p;
        if (projected) {  // dL/dh = grad_out + carry; dL/dm = dL/dh W_hr
          scalar_t* g_h = grad_h.data_ptr<scalar_t>() + d * P + step.start * D * P;
          for (int64_t r = 0; r < step.rows; ++r) {
            for (int64_t k = 0; k < P; ++k) {
              g_h[r * D * P + k] = gm[r * D * P + k] + carry_h_p[r * P + k];
            }
          }
          scalar_t* grad_m_p = grad_m.data_ptr<scalar_t>();
          gemm<scalar_t>(false, false, step.rows, H, P, g_h, D * P,
                         w_hr_d.const_data_ptr<scalar_t>(), H, 0, grad_m_p, H);
          gm = grad_m_p;
          gm_stride = H;
          carry = nullptr;
        }
        auto run = [&](int64_t first, int64_t last, const scalar_t* c_prev, int64_t c_stride) {
          Strides part = s;
          part.c_prev = c_stride;
          at::parallel_for(first, last, grain_rows(H), [&](int64_t begin, int64_t end) {
            const int64_t row = step.start + begin;
            gates_backward(gates_p + row * s.gates, c_prev + begin * c_stride,
                           tanh_p + row * s.state, gm + begin * gm_stride, gm_stride,
                           carry == nullptr ? nullptr : carry + begin * P, carry_c_p + begin * H,
                           grad_gates_p + row * s.gates, end - begin, H, part);
          });
        };
        run(0, step.carried, cells_p + step.previous * s.state, s.state);
        run(step.carried, step.rows, c0_p, H);
        scalar_t* __restrict__ bias_sum = grad_bias.data_ptr<scalar_t>() + d * 4 * H;
        for (int64_t r = 0; r < step.rows; ++r) {
          const scalar_t* __restrict__ row = grad_gates_p + (step.start + r) * s.gates;
          for (int64_t k = 0; k < 4 * H; ++k) bias_sum[k] += row[k];
        }
        // dL/dh_{t-1} = grad_gates W_hh
        gemm<scalar_t>(false, false, step.rows, P, 4 * H, grad_gates_p + step.start * s.gates,
                       s.gates, w_hh_d.const_data_ptr<scalar_t>(), P, 0, carry_h_p, P);
        // Each row's previous h, for grad W_hh = sum over rows of grad_gates^T h_prev.
        copy_rows(h_prev_p + step.start * P, out_p + step.previous * D * P, step.carried, P,
                  D * P);
        copy_rows(h_prev_p + (step.start + step.carried) * P, h0_p + step.carried * P,
                  step.rows - step.carried, P, P);
      }
      // grad W_hh = grad_gates^T h_prev, computed transposed: the faster product here.
      grad_w_hh[d].copy_(at::mm(h_prev.t(), grad_gates_d).t());
    }
  });
  return {grad_gates, grad_h, carry_h, carry_c, grad_w_hh, grad_bias};
}

}  // namespace

TORCH_LIBRARY(lstmlab, m) {
  m.def(
      "recurrence_forward(Tensor(a!) gates, Tensor? bias, Tensor h0, Tensor c0, Tensor[] w_hh, "
      "Tensor[] w_hr, int[] batch_sizes) -> (Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)");
  m.def(
      "recurrence_backward(Tensor grad_output, Tensor grad_h_n, Tensor grad_c_n, Tensor gates, "
      "Tensor cells, Tensor tanh_cells, Tensor output, Tensor h0, Tensor c0, Tensor[] w_hh, "
      "Tensor[] w_hr, int[] batch_sizes) -> (Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)");
}

TORCH_LIBRARY_IMPL(lstmlab, CPU, m) {
  m.impl("recurrence_forward", &forward);
  m.impl("recurrence_backward", &backward);
}
