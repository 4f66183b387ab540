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
  ],
  "conditions": [
    [
      "target_arch=='x64' and '<!(node -p \"require('fs').existsSync('vmm/linux/native/addon.cc')\")'=='true'",
      {
        "targets": [
          {
            "target_name": "linux_vmm",
            "sources": [
              "vmm/linux/native/addon.cc",
              "vmm/linux/native/run.cc",
              "vmm/linux/native/state.cc",
              "vmm/linux/native/vcpu.cc",
              "vmm/linux/native/vm.cc",
              "native/src/args.cc",
              "native/src/errors.cc"
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
    ],
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "tiny_vmm",
          "sources": [
            "native/src/args.cc",
            "native/src/errors.cc",
            "vmm/x86-tiny/native/addon.cc",
            "vmm/x86-tiny/native/memory.cc",
            "vmm/x86-tiny/native/vcpu.cc"
          ],
          "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native/src"],
          "defines": [
            "NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED",
            "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
          ],
          "cflags!": ["-fno-exceptions"],
          "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
          "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-fvisibility=hidden"]
        }
      ]
    }]
  ]
}
