//! The subcommands. Output goes to the given writers so tests can run the command line in-process.

use std::io::Write;

use crate::cli::args::{self, Format};
use crate::cli::json;
use crate::core::analysis::{self, Options};
use crate::core::arch::Architecture;
use crate::core::device::Device;
use crate::core::format;
use crate::core::fragment::{self, State};
use crate::core::presets;
use crate::core::report;

const USAGE: &str = "\
convscope: where does the computation in a CNN happen, and what does it cost?

usage:
  convscope summary <preset | spec | @file | model.onnx> [--input CxHxW] [--batch N] [--dtype fp32|fp16|bf16|int8]
                    [--device NAME | custom:<TFLOP/s>:<GB/s>] [--format table|markdown|json]
                    [--count bias,norm,act,pool,addmul|all]
  convscope spec <preset | model.onnx>          print a preset or an ONNX model in the text format
  convscope link <preset | spec | model.onnx>   print the URL fragment that opens it in the app (summary's options)
  convscope chart <compute|rf|tradeoff|roofline> <preset | spec | @file> --out FILE.svg [summary's options]
                  [--metric macs|flops|time|traffic|params|activations] [--by layer|block|stage] [--log] [--dark]
  convscope presets                list the presets
  convscope devices                list the device presets
";

/// Runs the command line; returns the process exit code.
pub fn run(argv: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match dispatch(argv, out) {
        Ok(()) => 0,
        Err(msg) => {
            let _ = writeln!(err, "convscope: {msg}");
            2
        }
    }
}

fn dispatch(argv: &[String], out: &mut dyn Write) -> Result<(), String> {
    let (cmd, rest) = argv.split_first().ok_or_else(|| USAGE.to_string())?;
    let write =
        |out: &mut dyn Write, text: &str| out.write_all(text.as_bytes()).map_err(|e| e.to_string());
    match cmd.as_str() {
        "summary" => summary(rest, out),
        "chart" => super::chart::run(rest, out),
        "link" => {
            let (state, _) = resolve(rest)?;
            write(out, &format!("#{}\n", fragment::encode(&state)))
        }
        "spec" => {
            let key = rest
                .first()
                .ok_or("spec needs a preset name (see `convscope presets`)")?;
            if let Some(arch) = super::onnx_file::load(key) {
                return write(out, &format!("{}\n", format::print(&arch?.0)));
            }
            let p = presets::find(key)
                .ok_or_else(|| format!("unknown preset `{key}` (see `convscope presets`)"))?;
            let arch = p.architecture().map_err(|e| e.to_string())?;
            write(out, &format!("{}\n", format::print(&arch)))
        }
        "presets" => {
            let lines: Vec<String> = presets::all()
                .iter()
                .map(|p| format!("{:<16} {}", p.key, p.description))
                .collect();
            write(out, &format!("{}\n", lines.join("\n")))
        }
        "devices" => {
            let lines: Vec<String> = Device::presets()
                .iter()
                .map(|d| {
                    format!(
                        "{:<11} {:<42} fp32 {:>6} FLOP/s  fp16 {:>6} FLOP/s  {:>6} B/s  ({})",
                        d.key,
                        d.name,
                        report::si(d.peak[0]),
                        report::si(d.peak[1]),
                        report::si(d.bandwidth),
                        d.source
                    )
                })
                .collect();
            write(
                out,
                &format!(
                    "{}\ncustom:<TFLOP/s>:<GB/s> defines your own.\n",
                    lines.join("\n")
                ),
            )
        }
        "help" | "--help" | "-h" => write(out, USAGE),
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    }
}

/// The architecture and settings named on the command line.
pub(super) fn resolve(rest: &[String]) -> Result<(State, args::Format), String> {
    let o = args::parse(rest)?;
    let target = o
        .target
        .ok_or("which network? give a preset name, a spec, or @file")?;
    let (mut arch, default_batch) = load(&target)?;
    if let Some(input) = o.input {
        arch.input = input;
    }
    let device = match &o.device {
        Some(d) => {
            Device::find(d).ok_or_else(|| {
                format!("--device: unknown device `{d}` (see `convscope devices`)")
            })?;
            d.clone()
        }
        None => State::new(arch.clone()).device,
    };
    let state = State {
        arch,
        batch: o.batch.unwrap_or(default_batch),
        dtype: o.dtype,
        device,
        counting: o.counting,
    };
    Ok((state, o.format))
}

fn load(target: &str) -> Result<(Architecture, u64), String> {
    if let Some(imported) = super::onnx_file::load(target) {
        return imported;
    }
    if let Some(p) = presets::find(target) {
        return Ok((
            p.architecture()
                .map_err(|e| format!("preset {}: {e}", p.key))?,
            p.batch,
        ));
    }
    let text = match target.strip_prefix('@') {
        Some(path) => {
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?
        }
        None => target.to_string(),
    };
    let text = text.trim();
    // A pasted link or fragment works too.
    let spec = text.rsplit_once('#').map_or(text, |(_, f)| f);
    if spec.starts_with("arch=") || spec.contains("&") {
        let (state, _) = fragment::decode(spec).map_err(|e| e.to_string())?;
        return Ok((state.arch, state.batch));
    }
    let arch = format::parse(spec).map_err(|e| {
        if presets::find(spec).is_none() && !spec.contains('/') {
            format!("`{spec}` is neither a preset (see `convscope presets`) nor a spec: {e}")
        } else {
            format!("invalid spec {e}")
        }
    })?;
    Ok((arch, 1))
}

fn summary(rest: &[String], out: &mut dyn Write) -> Result<(), String> {
    let (state, fmt) = resolve(rest)?;
    let device = Device::find(&state.device).ok_or("unknown device")?;
    let options = Options {
        batch: state.batch,
        dtype: state.dtype,
        device,
        counting: state.counting,
    };
    let a = analysis::analyse(&state.arch, &options);
    let text = match fmt {
        Format::Table => report::table(&a),
        Format::Markdown => report::markdown(&a),
        Format::Json => {
            let doc = json::document(&a, &format::print(&state.arch));
            serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())? + "\n"
        }
    };
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())
}
