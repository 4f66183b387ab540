# kvm-tod's native glue (args.cc, errors.cc) as a static library for an add-on of one's own:
# "dependencies": ["<!(node -p \"require('kvm-tod/native-glue').target\")"] (see glue.js).
{
  "targets": [
    {
      "target_name": "kvm_tod_glue",
      "type": "static_library",
      "sources": ["src/args.cc", "src/errors.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": [
        "NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-fvisibility=hidden", "-fPIC"],
      "direct_dependent_settings": {
        "include_dirs": ["src"]
      }
    }
  ]
}
