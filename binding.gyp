{
  "targets": [
    {
      "target_name": "kvm_tod",
      "sources": [
        "native/src/addon.cc",
        "native/src/args.cc",
        "native/src/errors.cc",
        "native/src/kvm.cc",
        "native/src/s390_tod.cc",
        "native/src/x86_clock.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": [
        "NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-fvisibility=hidden"]
    }
  ]
}
