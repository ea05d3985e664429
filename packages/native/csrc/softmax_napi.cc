// N-API bindings of the softmax-based fused kernels (softmax.h): attention and softmax cross-entropy (see napi_args.h).
#include <cstdint>
#include <initializer_list>
#include <string>

#include "softmax.h"
#include "napi_args.h"

namespace kt_napi {
namespace {

// Reads dims = [B, Tq, Tk, H, dh, ldq, ldk, ldv] (positive, ld >= H*dh, products within int64).
bool get_attention_geometry(napi_env env, napi_value dims, double scale, bool causal, kt::AttentionGeometry* g) {
  Ints d;
  if (!get_ints(env, dims, &d, "dims")) return false;
  if (d.length != 8) return fail(env, "attention: dims must be [B, Tq, Tk, H, dh, ldq, ldk, ldv]");
  for (size_t i = 0; i < 8; ++i) {
    if (d.data[i] < 1) return fail(env, "attention: every dim and stride must be positive");
  }
  const int64_t B = d.data[0], Tq = d.data[1], Tk = d.data[2], H = d.data[3], dh = d.data[4];
  if (Tq > 65536 || Tk > 65536 || H > 65536 || dh > 65536 || static_cast<double>(B) * H * Tq * Tk > 4e18) {
    return fail(env, "attention: batch, time, heads and headDim too large");
  }
  const int64_t D = H * dh;
  if (d.data[5] < D || d.data[6] < D || d.data[7] < D) return fail(env, "attention: row strides must be >= heads * headDim");
  *g = kt::AttentionGeometry{static_cast<int>(B), static_cast<int>(Tq), static_cast<int>(Tk), static_cast<int>(H),
                             static_cast<int>(dh), d.data[5], d.data[6], d.data[7], static_cast<float>(scale), causal,
                             nullptr};
  return true;
}

// Whether a buffer of `rows` rows of stride ld holds the row's first D floats.
bool covers(const Floats& f, int64_t rows, int64_t ld, int64_t D) {
  return static_cast<double>(f.length) >= static_cast<double>(rows - 1) * ld + D;
}

bool check_qkv(napi_env env, const char* name, const kt::AttentionGeometry& g, const Floats& q, const Floats& k,
               const Floats& v) {
  const int64_t D = static_cast<int64_t>(g.H) * g.dh;
  if (!covers(q, static_cast<int64_t>(g.B) * g.Tq, g.ldq, D) || !covers(k, static_cast<int64_t>(g.B) * g.Tk, g.ldk, D) ||
      !covers(v, static_cast<int64_t>(g.B) * g.Tk, g.ldv, D)) {
    return fail(env, std::string(name) + ": q, k or v is smaller than its [rows, stride] geometry");
  }
  return true;
}

// attentionForward(q, k, v, out, probs, keyPad | undefined, dims, scale, causal)
napi_value AttentionForward(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!get_args(env, info, 9, argv)) return nullptr;
  Floats q, k, v, out, probs, pad;
  double scale;
  bool causal;
  kt::AttentionGeometry g;
  if (!get_floats(env, argv[0], &q, "q") || !get_floats(env, argv[1], &k, "k") || !get_floats(env, argv[2], &v, "v") ||
      !get_floats(env, argv[3], &out, "out") || !get_floats(env, argv[4], &probs, "probs") ||
      (!is_nullish(env, argv[5]) && !get_floats(env, argv[5], &pad, "keyPad")) ||
      !get_double(env, argv[7], &scale, "scale") || !get_bool(env, argv[8], &causal, "causal") ||
      !get_attention_geometry(env, argv[6], scale, causal, &g) || !check_qkv(env, "attentionForward", g, q, k, v)) {
    return nullptr;
  }
  const int64_t D = static_cast<int64_t>(g.H) * g.dh;
  if (static_cast<int64_t>(out.length) != static_cast<int64_t>(g.B) * g.Tq * D ||
      static_cast<int64_t>(probs.length) != static_cast<int64_t>(g.B) * g.H * g.Tq * g.Tk ||
      (pad.data != nullptr && static_cast<int64_t>(pad.length) != static_cast<int64_t>(g.B) * g.Tk)) {
    fail(env, "attentionForward: buffer sizes do not match out [B, Tq, H*dh], probs [B, H, Tq, Tk], keyPad [B, Tk]");
    return nullptr;
  }
  g.keyPad = pad.data;
  kt::attention_forward(g, q.data, k.data, v.data, out.data, probs.data);
  return undefined(env);
}

// attentionBackward(q, k, v, probs, dout, dq, dk, dv, dims, scale)
napi_value AttentionBackward(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  if (!get_args(env, info, 10, argv)) return nullptr;
  Floats q, k, v, probs, dout, dq, dk, dv;
  double scale;
  kt::AttentionGeometry g;
  if (!get_floats(env, argv[0], &q, "q") || !get_floats(env, argv[1], &k, "k") || !get_floats(env, argv[2], &v, "v") ||
      !get_floats(env, argv[3], &probs, "probs") || !get_floats(env, argv[4], &dout, "dout") ||
      !get_floats(env, argv[5], &dq, "dq") || !get_floats(env, argv[6], &dk, "dk") || !get_floats(env, argv[7], &dv, "dv") ||
      !get_double(env, argv[9], &scale, "scale") || !get_attention_geometry(env, argv[8], scale, false, &g) ||
      !check_qkv(env, "attentionBackward", g, q, k, v) || !check_qkv(env, "attentionBackward", g, dq, dk, dv)) {
    return nullptr;
  }
  const int64_t D = static_cast<int64_t>(g.H) * g.dh;
  if (static_cast<int64_t>(dout.length) != static_cast<int64_t>(g.B) * g.Tq * D ||
      static_cast<int64_t>(probs.length) != static_cast<int64_t>(g.B) * g.H * g.Tq * g.Tk) {
    fail(env, "attentionBackward: buffer sizes do not match dout [B, Tq, H*dh], probs [B, H, Tq, Tk]");
    return nullptr;
  }
  kt::attention_backward(g, q.data, k.data, v.data, probs.data, dout.data, dq.data, dk.data, dv.data);
  return undefined(env);
}

// Checks rows >= 0, cols >= 1 and that every [rows, cols] buffer and every [rows] buffer has that many floats.
bool check_rows_cols(napi_env env, const char* name, int64_t rows, int64_t cols, std::initializer_list<const Floats*> full,
                     std::initializer_list<const Floats*> perRow) {
  if (rows < 0 || cols < 1 || static_cast<double>(rows) * cols > 4e18) {
    return fail(env, std::string(name) + ": rows must be >= 0 and cols >= 1");
  }
  for (const Floats* f : full) {
    if (static_cast<int64_t>(f->length) != rows * cols) return fail(env, std::string(name) + ": buffer sizes do not match [rows, cols] and [rows]");
  }
  for (const Floats* f : perRow) {
    if (static_cast<int64_t>(f->length) != rows) return fail(env, std::string(name) + ": buffer sizes do not match [rows, cols] and [rows]");
  }
  return true;
}

// The optional padding mask of a token-KL binding: nullish -> *data = nullptr (no mask); otherwise a Float32Array of
// one value per row.
bool get_row_mask(napi_env env, napi_value v, const char* name, int64_t rows, int64_t cols, Floats* mask,
                  const float** data) {
  *data = nullptr;
  if (is_nullish(env, v)) return true;
  if (!get_floats(env, v, mask, "mask") || !check_rows_cols(env, name, rows, cols, {}, {mask})) return false;
  *data = mask->data;
  return true;
}

// softmaxXentForward(logits, labels, loss, logSoftmax, rows, cols)
napi_value SoftmaxXentForward(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv)) return nullptr;
  Floats logits, labels, loss, ls;
  int64_t rows, cols;
  if (!get_floats(env, argv[0], &logits, "logits") || !get_floats(env, argv[1], &labels, "labels") ||
      !get_floats(env, argv[2], &loss, "loss") || !get_floats(env, argv[3], &ls, "logSoftmax") ||
      !get_int(env, argv[4], &rows, "rows") || !get_int(env, argv[5], &cols, "cols")) {
    return nullptr;
  }
  if (!check_rows_cols(env, "softmaxXentForward", rows, cols, {&logits, &labels, &ls}, {&loss})) return nullptr;
  kt::softmax_xent_forward(logits.data, labels.data, loss.data, ls.data, rows, cols);
  return undefined(env);
}

// softmaxXentBackward(labels, logSoftmax, dy, dlogits, dlabels, rows, cols)
napi_value SoftmaxXentBackward(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv)) return nullptr;
  Floats labels, ls, dy, dlogits, dlabels;
  int64_t rows, cols;
  if (!get_floats(env, argv[0], &labels, "labels") || !get_floats(env, argv[1], &ls, "logSoftmax") ||
      !get_floats(env, argv[2], &dy, "dy") || !get_floats(env, argv[3], &dlogits, "dlogits") ||
      !get_floats(env, argv[4], &dlabels, "dlabels") || !get_int(env, argv[5], &rows, "rows") ||
      !get_int(env, argv[6], &cols, "cols")) {
    return nullptr;
  }
  if (!check_rows_cols(env, "softmaxXentBackward", rows, cols, {&labels, &ls, &dlogits, &dlabels}, {&dy})) return nullptr;
  kt::softmax_xent_backward(labels.data, ls.data, dy.data, dlogits.data, dlabels.data, rows, cols);
  return undefined(env);
}

// tokenKlForward(a, b, mask | undefined, invT, kl, logP, logQ, rows, cols)
napi_value TokenKlForward(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!get_args(env, info, 9, argv)) return nullptr;
  Floats a, b, mask, kl, lp, lq;
  const float* maskData;
  double invT;
  int64_t rows, cols;
  if (!get_floats(env, argv[0], &a, "a") || !get_floats(env, argv[1], &b, "b") || !get_double(env, argv[3], &invT, "invT") ||
      !get_floats(env, argv[4], &kl, "kl") || !get_floats(env, argv[5], &lp, "logP") || !get_floats(env, argv[6], &lq, "logQ") ||
      !get_int(env, argv[7], &rows, "rows") || !get_int(env, argv[8], &cols, "cols")) {
    return nullptr;
  }
  if (!check_rows_cols(env, "tokenKlForward", rows, cols, {&a, &b, &lp, &lq}, {&kl})) return nullptr;
  if (!get_row_mask(env, argv[2], "tokenKlForward", rows, cols, &mask, &maskData)) return nullptr;
  kt::token_kl_forward(a.data, b.data, maskData, static_cast<float>(invT), kl.data, lp.data, lq.data, rows, cols);
  return undefined(env);
}

// tokenKlBackward(logP, logQ, kl, dy, mask | undefined, invT, wrtP, grad, rows, cols)
napi_value TokenKlBackward(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  if (!get_args(env, info, 10, argv)) return nullptr;
  Floats lp, lq, kl, dy, mask, grad;
  const float* maskData;
  double invT;
  bool wrtP;
  int64_t rows, cols;
  if (!get_floats(env, argv[0], &lp, "logP") || !get_floats(env, argv[1], &lq, "logQ") || !get_floats(env, argv[2], &kl, "kl") ||
      !get_floats(env, argv[3], &dy, "dy") || !get_double(env, argv[5], &invT, "invT") || !get_bool(env, argv[6], &wrtP, "wrtP") ||
      !get_floats(env, argv[7], &grad, "grad") || !get_int(env, argv[8], &rows, "rows") || !get_int(env, argv[9], &cols, "cols")) {
    return nullptr;
  }
  if (!check_rows_cols(env, "tokenKlBackward", rows, cols, {&lp, &lq, &grad}, {&kl, &dy})) return nullptr;
  if (!get_row_mask(env, argv[4], "tokenKlBackward", rows, cols, &mask, &maskData)) return nullptr;
  kt::token_kl_backward(lp.data, lq.data, kl.data, dy.data, maskData, static_cast<float>(invT), wrtP, grad.data, rows, cols);
  return undefined(env);
}

// tokenJsdForward(t, l, mask | undefined, invT, beta, jsd, logPl, logM, klL, rows, cols)
napi_value TokenJsdForward(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  if (!get_args(env, info, 11, argv)) return nullptr;
  Floats t, l, mask, jsd, lpl, lm, klL;
  const float* maskData;
  double invT, beta;
  int64_t rows, cols;
  if (!get_floats(env, argv[0], &t, "t") || !get_floats(env, argv[1], &l, "l") || !get_double(env, argv[3], &invT, "invT") ||
      !get_double(env, argv[4], &beta, "beta") || !get_floats(env, argv[5], &jsd, "jsd") || !get_floats(env, argv[6], &lpl, "logPl") ||
      !get_floats(env, argv[7], &lm, "logM") || !get_floats(env, argv[8], &klL, "klL") || !get_int(env, argv[9], &rows, "rows") ||
      !get_int(env, argv[10], &cols, "cols")) {
    return nullptr;
  }
  if (!(beta > 0.0 && beta < 1.0)) {
    fail(env, "tokenJsdForward: beta must be in (0, 1)");
    return nullptr;
  }
  if (!check_rows_cols(env, "tokenJsdForward", rows, cols, {&t, &l, &lpl, &lm}, {&jsd, &klL})) return nullptr;
  if (!get_row_mask(env, argv[2], "tokenJsdForward", rows, cols, &mask, &maskData)) return nullptr;
  kt::token_jsd_forward(t.data, l.data, maskData, static_cast<float>(invT), static_cast<float>(beta), jsd.data, lpl.data, lm.data, klL.data,
                        rows, cols);
  return undefined(env);
}

}  // namespace

void add_softmax_bindings(Bindings& out) {
  out.emplace_back("attentionForward", AttentionForward);
  out.emplace_back("attentionBackward", AttentionBackward);
  out.emplace_back("softmaxXentForward", SoftmaxXentForward);
  out.emplace_back("softmaxXentBackward", SoftmaxXentBackward);
  out.emplace_back("tokenKlForward", TokenKlForward);
  out.emplace_back("tokenKlBackward", TokenKlBackward);
  out.emplace_back("tokenJsdForward", TokenJsdForward);
}

}  // namespace kt_napi
