//! `convscope chart <compute|rf|tradeoff|roofline> <preset | spec> ... --out FILE.svg`: the app's charts as SVG.

use std::io::Write;

use crate::charts::{self, AllOptions, ChartKind, Grouping, Metric, Theme};
use crate::core::analysis::{self, Options};
use crate::core::device::Device;
use crate::core::whatif;

/// Usage lines for the command list.
pub const USAGE: &str = "\
  convscope chart <compute|rf|tradeoff|roofline> <preset | spec | @file> --out FILE.svg
                    [summary's options] [--metric macs|flops|time|traffic|params|activations]
                    [--by layer|block|stage] [--log] [--dark] [--size WxH] [--highlight ROW]
";

/// The chart's own flags, and the rest for the shared option parser.
struct ChartArgs {
    kind: ChartKind,
    out: String,
    size: (u32, u32),
    all: AllOptions<'static>,
    theme: Theme,
    highlight: Option<usize>,
    rest: Vec<String>,
}

fn parse(argv: &[String]) -> Result<ChartArgs, String> {
    let (kind, argv) = argv
        .split_first()
        .ok_or_else(|| format!("chart needs a kind and a network:\n{USAGE}"))?;
    let kind = ChartKind::from_key(kind)
        .ok_or_else(|| format!("unknown chart `{kind}`: use compute, rf, tradeoff or roofline"))?;
    let mut a = ChartArgs {
        kind,
        out: String::new(),
        size: (960, 540),
        all: AllOptions::default(),
        theme: Theme::Light,
        highlight: None,
        rest: Vec::new(),
    };
    let mut it = argv.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag {
            "--out" | "-o" => a.out = value()?,
            "--metric" => {
                let v = value()?;
                a.all.tradeoff.metric = Metric::from_key(&v).ok_or_else(|| {
                    format!("--metric: `{v}` is not one of macs, flops, time, traffic, params, activations")
                })?;
                a.all.compute.metric = a.all.tradeoff.metric;
            }
            "--by" => {
                let v = value()?;
                a.all.compute.grouping = Grouping::from_key(&v)
                    .ok_or_else(|| format!("--by: `{v}` is not one of layer, block, stage"))?;
            }
            "--log" => a.all.rf.log = true,
            "--dark" => a.theme = Theme::Dark,
            "--size" => {
                let v = value()?;
                a.size = v
                    .split_once(['x', 'X'])
                    .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
                    .filter(|(w, h)| (200..=4000).contains(w) && (150..=4000).contains(h))
                    .ok_or_else(|| {
                        format!("--size: `{v}` is not WxH between 200x150 and 4000x4000")
                    })?;
            }
            "--highlight" => {
                let v = value()?;
                a.highlight = Some(
                    v.parse()
                        .map_err(|_| format!("--highlight: `{v}` is not a row number"))?,
                );
            }
            _ => {
                a.rest.push(arg.clone());
                // Shared flags with a separate value keep it.
                if inline.is_none() && arg.starts_with("--") {
                    if let Some(v) = it.next() {
                        a.rest.push(v.clone());
                    }
                }
            }
        }
    }
    if a.out.is_empty() {
        return Err("chart needs --out FILE.svg".into());
    }
    Ok(a)
}

/// Runs `convscope chart ...`: writes the SVG and reports the file on `out`.
pub fn run(argv: &[String], out: &mut dyn Write) -> Result<(), String> {
    let mut a = parse(argv)?;
    let (state, _) = super::commands::resolve(&a.rest)?;
    let device = Device::find(&state.device).ok_or("unknown device")?;
    let options = Options {
        batch: state.batch,
        dtype: state.dtype,
        device,
        counting: state.counting,
        timing: crate::core::timing::TimeOptions::default(),
    };
    let analysis = analysis::analyse(&state.arch, &options);
    let comparison =
        (a.kind == ChartKind::Tradeoff).then(|| whatif::compare(&state.arch, &options));
    a.all.set_common(a.theme, a.highlight);
    let mut all = a.all.clone();
    all.tradeoff.whatif = comparison.as_ref();
    let (svg, layout) = charts::svg(a.kind, &analysis, &all, a.size).map_err(|e| e.to_string())?;
    std::fs::write(&a.out, svg).map_err(|e| format!("cannot write {}: {e}", a.out))?;
    writeln!(
        out,
        "wrote {} ({}×{}, {} marks)",
        a.out,
        layout.width,
        layout.height,
        layout.targets.len()
    )
    .map_err(|e| e.to_string())
}
