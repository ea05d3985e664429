// N-API bindings of the softmax-based fused kernels (softmax.h): attention and softmax cross-entropy (see napi_args.h).
#include <cstdint>
#include <initializer_list>
#include <string>

#include "softmax.h"
#include "napi_args.h"

namespace kt_napi {
namespace {

// Reads B, T, H, dh (positive, with B*T*3*H*dh and B*H*T*T within int64) for the attention kernels.
bool get_attention_dims(napi_env env, napi_value* argv, int64_t* B, int64_t* T, int64_t* H, int64_t* dh) {
  if (!get_int(env, argv[0], B, "batch") || !get_int(env, argv[1], T, "time") || !get_int(env, argv[2], H, "heads") ||
      !get_int(env, argv[3], dh, "headDim")) {
    return false;
  }
  if (*B < 1 || *T < 1 || *H < 1 || *dh < 1 || *B > INT32_MAX || *T > 65536 || *H > 65536 || *dh > 65536 ||
      static_cast<double>(*B) * *T * 3 * *H * *dh > 4e18 || static_cast<double>(*B) * *H * *T * *T > 4e18) {
    return fail(env, "attention: batch, time, heads and headDim must be positive and not too large");
  }
  return true;
}

// attentionForward(qkv, out, probs, B, T, H, dh, scale, causal)
napi_value AttentionForward(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!get_args(env, info, 9, argv)) return nullptr;
  Floats qkv, out, probs;
  int64_t B, T, H, dh;
  double scale;
  bool causal;
  if (!get_floats(env, argv[0], &qkv, "qkv") || !get_floats(env, argv[1], &out, "out") ||
      !get_floats(env, argv[2], &probs, "probs") || !get_attention_dims(env, argv + 3, &B, &T, &H, &dh) ||
      !get_double(env, argv[7], &scale, "scale") || !get_bool(env, argv[8], &causal, "causal")) {
    return nullptr;
  }
  const int64_t D = H * dh;
  if (static_cast<int64_t>(qkv.length) != B * T * 3 * D || static_cast<int64_t>(out.length) != B * T * D ||
      static_cast<int64_t>(probs.length) != B * H * T * T) {
    fail(env, "attentionForward: buffer sizes do not match [B, T, 3*H*dh], [B, T, H*dh], [B, H, T, T]");
    return nullptr;
  }
  kt::attention_forward(qkv.data, out.data, probs.data, static_cast<int>(B), static_cast<int>(T), static_cast<int>(H),
                        static_cast<int>(dh), static_cast<float>(scale), causal);
  return undefined(env);
}

// attentionBackward(qkv, probs, dout, dqkv, B, T, H, dh, scale)
napi_value AttentionBackward(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!get_args(env, info, 9, argv)) return nullptr;
  Floats qkv, probs, dout, dqkv;
  int64_t B, T, H, dh;
  double scale;
  if (!get_floats(env, argv[0], &qkv, "qkv") || !get_floats(env, argv[1], &probs, "probs") ||
      !get_floats(env, argv[2], &dout, "dout") || !get_floats(env, argv[3], &dqkv, "dqkv") ||
      !get_attention_dims(env, argv + 4, &B, &T, &H, &dh) || !get_double(env, argv[8], &scale, "scale")) {
    return nullptr;
  }
  const int64_t D = H * dh;
  if (static_cast<int64_t>(qkv.length) != B * T * 3 * D || static_cast<int64_t>(dqkv.length) != B * T * 3 * D ||
      static_cast<int64_t>(dout.length) != B * T * D || static_cast<int64_t>(probs.length) != B * H * T * T) {
    fail(env, "attentionBackward: buffer sizes do not match [B, T, 3*H*dh], [B, H, T, T], [B, T, H*dh]");
    return nullptr;
  }
  kt::attention_backward(qkv.data, probs.data, dout.data, dqkv.data, static_cast<int>(B), static_cast<int>(T),
                         static_cast<int>(H), static_cast<int>(dh), static_cast<float>(scale));
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

}  // namespace

void add_softmax_bindings(Bindings& out) {
  out.emplace_back("attentionForward", AttentionForward);
  out.emplace_back("attentionBackward", AttentionBackward);
  out.emplace_back("softmaxXentForward", SoftmaxXentForward);
  out.emplace_back("softmaxXentBackward", SoftmaxXentBackward);
}

}  // namespace kt_napi
