// Argument readers shared by the N-API bindings (one *_napi.cc file per kernel family, as the
// kernels themselves are split): every entry point validates its arguments (types, sizes, index
// ranges) and throws a JS Error instead of touching memory out of bounds.
#pragma once
#include <node_api.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kt_napi {

// The functions a kernel family exports to JavaScript: (name, callback).
using Bindings = std::vector<std::pair<const char*, napi_callback>>;

void add_gemm_bindings(Bindings& out);         // gemm_napi.cc
void add_conv_bindings(Bindings& out);         // conv_napi.cc
void add_elementwise_bindings(Bindings& out);  // elementwise_napi.cc
void add_softmax_bindings(Bindings& out);      // softmax_napi.cc
void add_norm_bindings(Bindings& out);         // norm_napi.cc
void add_pooling_bindings(Bindings& out);      // pooling_napi.cc

struct Floats {
  float* data = nullptr;
  size_t length = 0;
};
struct Ints {
  const int32_t* data = nullptr;
  size_t length = 0;
};

inline bool fail(napi_env env, const std::string& msg) {
  napi_throw_error(env, "KT_NATIVE", msg.c_str());
  return false;
}

inline bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value* argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return fail(env, "bad call");
  if (argc < want) return fail(env, "expected " + std::to_string(want) + " arguments");
  return true;
}

inline bool is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  return t == napi_undefined || t == napi_null;
}

inline bool get_typed(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* length,
               const char* name) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (!is) return fail(env, std::string(name) + " must be a typed array");
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, data, &buffer, &offset) != napi_ok) {
    return fail(env, std::string(name) + ": cannot read typed array");
  }
  if (type != want) {
    return fail(env, std::string(name) + (want == napi_float32_array ? " must be a Float32Array" : " must be an Int32Array"));
  }
  if (*length > 0 && *data == nullptr) return fail(env, std::string(name) + ": detached buffer");
  return true;
}

inline bool get_floats(napi_env env, napi_value v, Floats* out, const char* name) {
  void* d = nullptr;
  if (!get_typed(env, v, napi_float32_array, &d, &out->length, name)) return false;
  out->data = static_cast<float*>(d);
  return true;
}

inline bool get_ints(napi_env env, napi_value v, Ints* out, const char* name) {
  void* d = nullptr;
  if (!get_typed(env, v, napi_int32_array, &d, &out->length, name)) return false;
  out->data = static_cast<const int32_t*>(d);
  return true;
}

inline bool get_int(napi_env env, napi_value v, int64_t* out, const char* name) {
  if (napi_get_value_int64(env, v, out) != napi_ok) return fail(env, std::string(name) + " must be a number");
  return true;
}

inline bool get_bool(napi_env env, napi_value v, bool* out, const char* name) {
  if (napi_get_value_bool(env, v, out) != napi_ok) return fail(env, std::string(name) + " must be a boolean");
  return true;
}

inline bool get_double(napi_env env, napi_value v, double* out, const char* name) {
  if (napi_get_value_double(env, v, out) != napi_ok) return fail(env, std::string(name) + " must be a number");
  return true;
}

inline napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

inline bool check_len(napi_env env, const Floats& f, int64_t need, const char* name) {
  if (static_cast<int64_t>(f.length) < need) return fail(env, std::string(name) + " is smaller than its shape");
  return true;
}

}  // namespace kt_napi
