{
  "variables": {
    "kt_blas%": "<!(node scripts/detect-blas.js kind)",
    "kt_blas_include%": "<!(node scripts/detect-blas.js include)",
    "kt_blas_lib%": "<!(node scripts/detect-blas.js lib)",
    "kt_march%": "<!(node scripts/detect-blas.js march)"
  },
  "targets": [
    {
      "target_name": "kt_native",
      "sources": ["csrc/addon.cc", "csrc/gemm_napi.cc", "csrc/conv_napi.cc", "csrc/elementwise_napi.cc", "csrc/softmax_napi.cc", "csrc/norm_napi.cc", "csrc/pooling_napi.cc", "csrc/gemm.cc", "csrc/conv.cc", "csrc/elementwise.cc", "csrc/pool.cc", "csrc/softmax.cc", "csrc/norm.cc", "csrc/pooling.cc"],
      "cflags_cc!": ["-fno-exceptions", "-O2", "-O3"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fno-math-errno"],
      "cflags!": ["-O2"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3"]
      },
      "conditions": [
        ["target_arch=='x64' and OS!='win' and kt_march!=''", { "cflags_cc": ["-march=<(kt_march)"] }],
        ["OS=='linux'", { "libraries": ["-pthread"], "ldflags": ["-pthread"] }],
        ["kt_blas=='openblas'", {
          "defines": ["KT_HAVE_CBLAS", "KT_OPENBLAS"],
          "include_dirs": ["<(kt_blas_include)"],
          "libraries": ["<(kt_blas_lib)"]
        }],
        ["kt_blas=='cblas'", {
          "defines": ["KT_HAVE_CBLAS"],
          "include_dirs": ["<(kt_blas_include)"],
          "libraries": ["<(kt_blas_lib)"]
        }]
      ]
    }
  ]
}
