{
  "targets": [
    {
      "target_name": "kvm_tod_bench",
      "sources": ["native/bench.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!(node -p \"require('kvm-tod/native-glue').include_dir\")"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-fvisibility=hidden"]
    },
    {
      "target_name": "kvm_tod_standin",
      "sources": ["native/standin.cc"],
      "dependencies": ["<!(node -p \"require('kvm-tod/native-glue').addon_target\")"],
      "cflags_cc!": ["-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-fvisibility=hidden"],
      "ldflags": ["-Wl,--wrap=ioctl", "-Wl,-u,napi_register_module_v1"]
    }
  ]
}
