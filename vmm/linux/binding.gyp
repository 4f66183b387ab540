{
  "targets": [
    {
      "target_name": "linux_vmm",
      "conditions": [
        [
          "target_arch!='x64'",
          {
            "type": "none"
          }
        ],
        [
          "target_arch=='x64'",
          {
            "sources": [
              "native/addon.cc",
              "native/run.cc",
              "native/state.cc",
              "native/vcpu.cc",
              "native/vm.cc"
            ],
            "dependencies": [
              "<!(node -p \"require('kvm-tod/native-glue').target\")"
            ],
            "include_dirs": [
              "<!(node -p \"require('node-addon-api').include_dir\")"
            ],
            "defines": [
              "NAPI_VERSION=8",
              "NAPI_CPP_EXCEPTIONS",
              "NODE_ADDON_API_DISABLE_DEPRECATED",
              "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
            ],
            "cflags!": [
              "-fno-exceptions"
            ],
            "cflags_cc!": [
              "-fno-exceptions",
              "-std=gnu++17"
            ],
            "cflags_cc": [
              "-std=c++17",
              "-Wall",
              "-Wextra",
              "-fvisibility=hidden"
            ]
          }
        ]
      ]
    }
  ]
}
