// N-API module of @kt/native: the runtime settings (BLAS mode, threads) and the registration of every
// kernel family's bindings (gemm_napi.cc, conv_napi.cc, elementwise_napi.cc, softmax_napi.cc). Every
// entry point validates its arguments and throws a JS Error instead of touching memory out of bounds;
// the TypeScript layer checks shapes before calling.
#include <node_api.h>

#include <cstdint>
#include <vector>

#include "gemm.h"
#include "napi_args.h"
#include "pool.h"

namespace kt_napi {
namespace {

// info(): { blas: 'openblas'|'cblas'|'none', threads, system }
napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, blas, threads, system;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, kt::compiled_blas(), NAPI_AUTO_LENGTH, &blas);
  napi_create_int32(env, kt::threads(), &threads);
  napi_get_boolean(env, kt::current_blas() == kt::Blas::kSystem, &system);
  napi_set_named_property(env, obj, "blas", blas);
  napi_set_named_property(env, obj, "threads", threads);
  napi_set_named_property(env, obj, "system", system);
  return obj;
}

// configure(useSystemBlas: boolean, threads: number)
napi_value Configure(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return nullptr;
  bool system = false;
  int64_t threads = 1;
  if (!get_bool(env, argv[0], &system, "useSystemBlas") || !get_int(env, argv[1], &threads, "threads")) return nullptr;
  if (threads < 1 || threads > 256) {
    fail(env, "threads must be in 1..256");
    return nullptr;
  }
  kt::set_blas(system ? kt::Blas::kSystem : kt::Blas::kPortable);
  kt::set_threads(static_cast<int>(threads));
  kt::set_blas_threads(static_cast<int>(threads));
  return undefined(env);
}

napi_value Init(napi_env env, napi_value exports) {
  Bindings bindings = {{"info", Info}, {"configure", Configure}};
  add_gemm_bindings(bindings);
  add_conv_bindings(bindings);
  add_elementwise_bindings(bindings);
  add_softmax_bindings(bindings);
  add_norm_bindings(bindings);
  add_pooling_bindings(bindings);
  std::vector<napi_property_descriptor> props;
  props.reserve(bindings.size());
  for (const auto& [name, callback] : bindings) {
    props.push_back({name, nullptr, callback, nullptr, nullptr, nullptr, napi_default, nullptr});
  }
  napi_define_properties(env, exports, props.size(), props.data());
  return exports;
}

}  // namespace
}  // namespace kt_napi

NAPI_MODULE_INIT() { return kt_napi::Init(env, exports); }
