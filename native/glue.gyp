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
    },
    {
      # Internal to the kvm-tod workspace (glue.js: addon_target), not part of the promise:
      # the whole addon of ../binding.gyp, same sources, defines and flags, as a static
      # library, so that the bench links a stand-in of it whose ioctl() it replaces.
      "target_name": "kvm_tod_addon",
      "type": "static_library",
      "sources": [
        "src/addon.cc", "src/args.cc", "src/errors.cc", "src/kvm.cc", "src/s390_tod.cc", "src/x86_clock.cc"
      ],
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
