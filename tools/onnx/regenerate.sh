#!/usr/bin/env bash
# Regenerates src/import/onnx/proto.rs from the onnx.proto of an onnx wheel, trimmed to the fields convscope reads
# (tools/onnx/trim.py keeps those lines verbatim: names, types and tags), once, at development time: the build never
# needs protoc. Needs protoc (Debian: protobuf-compiler) and pip. Usage: tools/onnx/regenerate.sh [onnx version]
set -euo pipefail
version="${1:-1.23.2}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pip download "onnx==$version" --no-deps -d "$work/wheel" -q
(cd "$work/wheel" && unzip -q -o onnx-*.whl onnx/onnx.proto)
mkdir -p "$work/gen/src" "$work/gen/proto"
# Only the fields the importer reads: the decoder skips the others on the wire (see trim.py).
python3 "$repo/tools/onnx/trim.py" "$work/wheel/onnx/onnx.proto" > "$work/gen/proto/onnx.proto"
cat > "$work/gen/Cargo.toml" <<'TOML'
[package]
name = "onnx-protogen"
version = "0.0.0"
edition = "2021"
[dependencies]
prost-build = "=0.14.6"
TOML
cat > "$work/gen/src/main.rs" <<'RS'
fn main() {
    let mut c = prost_build::Config::new();
    // Every `bytes` field (tensor raw_data above all) becomes a `Bytes` slice of the input: decoding never copies it.
    c.bytes(["."]);
    c.out_dir("out");
    std::fs::create_dir_all("out").unwrap();
    c.compile_protos(&["proto/onnx.proto"], &["proto"]).unwrap();
}
RS
(cd "$work/gen" && cargo run -q)
{
  echo "//! Generated code: \`onnx.proto\` of onnx $version (the file shipped in the onnx $version wheel), trimmed by"
  echo '//! `tools/onnx/trim.py` to the fields convscope reads (names, types and tags verbatim; the decoder skips the rest),'
  echo '//! through prost-build 0.14.6 with `bytes(["."])`: every `bytes` field is a `Bytes` slice of the input, never a'
  echo '//! copy. Regenerate with `tools/onnx/regenerate.sh`; do not edit by hand.'
  echo
  cat "$work/gen/out/onnx.rs"
} > "$repo/src/import/onnx/proto.rs"
