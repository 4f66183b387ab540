{
  "targets": [
    {
      "target_name": "s390_stck",
      "conditions": [
        [
          "target_arch!='s390x'",
          {
            "type": "none"
          }
        ],
        [
          "target_arch=='s390x'",
          {
            "sources": [
              "native/stck.cc"
            ],
            "include_dirs": [
              "<!(node -p \"require('node-addon-api').include_dir\")"
            ],
            "defines": [
              "NAPI_VERSION=8",
              "NAPI_CPP_EXCEPTIONS"
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
