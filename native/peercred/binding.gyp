{
  "targets": [
    {
      "target_name": "peercred",
      "sources": ["peercred.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
