//! The subcommands. Output goes to the given writers so tests can run the command line in-process.

use std::io::Write;

use clap::Parser;

use crate::cli::args::{Cli, Command, DiffBy, Format, NetworkArgs};
use crate::cli::json;
use crate::core::analysis::{self, Options};
use crate::core::arch::Architecture;
use crate::core::compare_report::{self, DiffView};
use crate::core::device::Device;
use crate::core::format;
use crate::core::fragment::{self, State};
use crate::core::presets;
use crate::core::report;
use crate::core::timing::TimeOptions;

/// Runs the command line (`argv` without the program's name); returns the process exit code. Help goes to `out`;
/// errors go to `err`, clap's (a flag or value it rejects) as clap writes them, the others as `convscope: …`.
pub fn run(argv: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let cli = match Cli::try_parse_from(
        std::iter::once("convscope").chain(argv.iter().map(String::as_str)),
    ) {
        Ok(cli) => cli,
        Err(e) => {
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                err.write_all(text.as_bytes())
            } else {
                out.write_all(text.as_bytes())
            };
            return e.exit_code();
        }
    };
    match dispatch(&cli.command, out) {
        Ok(()) => 0,
        Err(msg) => {
            let _ = writeln!(err, "convscope: {msg}");
            2
        }
    }
}

fn dispatch(command: &Command, out: &mut dyn Write) -> Result<(), String> {
    let write =
        |out: &mut dyn Write, text: &str| out.write_all(text.as_bytes()).map_err(|e| e.to_string());
    match command {
        Command::Summary {
            network,
            format,
            measured,
            calibrate,
        } => summary(network, *format, measured.as_deref(), *calibrate, out),
        Command::Validate {
            device,
            dtype,
            calibrate,
            files,
        } => super::validate::run(device.as_deref(), *dtype, *calibrate, files, out),
        Command::Diff {
            a,
            network,
            by,
            format,
        } => diff(a, network, *by, *format, out),
        Command::Chart(args) => super::chart::run(args, out),
        Command::Link { network } => {
            let state = resolve(network)?;
            write(out, &format!("#{}\n", fragment::encode(&state)))
        }
        Command::Spec { preset: key } => {
            if let Some(arch) = super::onnx_file::load(key) {
                return write(out, &format!("{}\n", format::print(&arch?.0)));
            }
            let p = presets::find(key)
                .ok_or_else(|| format!("unknown preset `{key}` (see `convscope presets`)"))?;
            let arch = p.architecture().map_err(|e| e.to_string())?;
            write(out, &format!("{}\n", format::print(&arch)))
        }
        Command::Presets => {
            let lines: Vec<String> = presets::all()
                .iter()
                .map(|p| format!("{:<16} {}", p.key, p.description))
                .collect();
            write(out, &format!("{}\n", lines.join("\n")))
        }
        Command::Devices => {
            let lines: Vec<String> = Device::presets()
                .iter()
                .map(|d| {
                    format!(
                        "{:<14} {:<42} fp32 {:>6} FLOP/s  fp16 {:>6} FLOP/s  {:>6} B/s  ({})\n{:<14} time model: {}",
                        d.key,
                        d.name,
                        report::si(d.peak[0]),
                        report::si(d.peak[1]),
                        report::si(d.bandwidth),
                        d.source,
                        "",
                        d.model_source
                    )
                })
                .collect();
            write(
                out,
                &format!(
                    "{}\ncustom:<TFLOP/s>:<GB/s>[:<SMs>:<floor µs>] defines your own.\n",
                    lines.join("\n")
                ),
            )
        }
    }
}

/// The architecture and settings named on the command line.
pub(super) fn resolve(n: &NetworkArgs) -> Result<State, String> {
    let (mut arch, default_batch) = load(&n.target)?;
    if let Some(input) = n.input {
        arch.input = input;
    }
    let mut state = State::new(arch);
    state.batch = n.batch.unwrap_or(default_batch);
    state.dtype = n.dtype;
    if let Some(device) = &n.device {
        state.device = device.clone();
    }
    state.counting = n.count.unwrap_or_default();
    state.fused = n.fused;
    Ok(state)
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

/// The analysis of a resolved network.
fn analyse(state: &State) -> Result<analysis::Analysis, String> {
    let device = Device::find(&state.device).ok_or("unknown device")?;
    let options = Options {
        batch: state.batch,
        dtype: state.dtype,
        device,
        counting: state.counting,
        timing: TimeOptions { fused: state.fused },
    };
    Ok(analysis::analyse(&state.arch, &options))
}

/// `diff A B`: B against the baseline A, both under B's settings (A keeps its own batch when it is a preset or a
/// link with one and no `--batch` is given).
fn diff(
    base: &str,
    network: &NetworkArgs,
    by: DiffBy,
    fmt: Format,
    out: &mut dyn Write,
) -> Result<(), String> {
    let sb = resolve(network)?;
    let sa = resolve(&NetworkArgs {
        target: base.to_string(),
        ..network.clone()
    })
    .map_err(|e| format!("A: {e}"))?;
    let (a, b) = (analyse(&sa)?, analyse(&sb)?);
    let c = crate::core::compare::compare(&a, &b);
    let view = match by {
        DiffBy::Stage => DiffView::Stage,
        DiffBy::Layer => DiffView::Layer,
    };
    let text = match fmt {
        Format::Table => compare_report::table(&a, &b, &c, view),
        Format::Markdown => compare_report::markdown(&a, &b, &c, view),
        Format::Json => {
            let doc = json::comparison(
                &a,
                &b,
                &c,
                &format::print(&sa.arch),
                &format::print(&sb.arch),
            );
            serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())? + "\n"
        }
    };
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())
}

fn summary(
    network: &NetworkArgs,
    fmt: Format,
    measured: Option<&str>,
    calibrate: bool,
    out: &mut dyn Write,
) -> Result<(), String> {
    let state = resolve(network)?;
    let measurement = measured.map(super::measured::read).transpose()?;
    if measurement.is_some() && fmt == Format::Json {
        return Err("--measured prints a table: use --format table or markdown".into());
    }
    let a = analyse(&state)?;
    let mut text = match fmt {
        Format::Table => report::table(&a),
        Format::Markdown => report::markdown(&a),
        Format::Json => {
            let doc = json::document(&a, &format::print(&state.arch));
            serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())? + "\n"
        }
    };
    if let Some(m) = &measurement {
        text += &super::measured::report(&a, m, calibrate)?;
    }
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())
}
