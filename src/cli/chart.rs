//! `convscope chart <compute|rf|tradeoff|roofline> <preset | spec> ... --out FILE.svg`: the app's charts as SVG.

use std::io::Write;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::Args;

use crate::charts::{self, AllOptions, ChartKind, Grouping, Metric, Theme};
use crate::cli::args::NetworkArgs;
use crate::core::analysis::{self, Options};
use crate::core::device::Device;
use crate::core::whatif;

/// `convscope chart`'s arguments: the chart, the network as for `summary`, and the chart's own flags.
#[derive(Clone, Debug, Args)]
pub struct ChartArgs {
    /// Which chart
    #[arg(value_parser = kind())]
    kind: ChartKind,
    #[command(flatten)]
    network: NetworkArgs,
    /// The SVG file to write
    #[arg(short, long, value_name = "FILE.svg")]
    out: String,
    /// What the compute chart's bars and the trade-off chart's marks measure [default: macs]
    #[arg(long, ignore_case = true, value_parser = metric())]
    metric: Option<Metric>,
    /// What one bar of the compute chart is [default: layer]
    #[arg(long, ignore_case = true, value_parser = grouping())]
    by: Option<Grouping>,
    /// The receptive-field chart on a log scale
    #[arg(long)]
    log: bool,
    /// The dark theme
    #[arg(long)]
    dark: bool,
    /// The picture's width and height in pixels
    #[arg(long, value_name = "WxH", default_value = "960x540", value_parser = size)]
    size: (u32, u32),
    /// The row (its index in `summary`) to highlight
    #[arg(long, value_name = "ROW", value_parser = row)]
    highlight: Option<usize>,
}

fn kind() -> impl TypedValueParser<Value = ChartKind> {
    PossibleValuesParser::new(ChartKind::ALL.map(ChartKind::key))
        .try_map(|k| ChartKind::from_key(&k).ok_or("not a chart"))
}

fn metric() -> impl TypedValueParser<Value = Metric> {
    PossibleValuesParser::new(Metric::ALL.map(Metric::key))
        .try_map(|k| Metric::from_key(&k).ok_or("not a metric"))
}

fn grouping() -> impl TypedValueParser<Value = Grouping> {
    let values = [Grouping::Layer, Grouping::BLOCK, Grouping::Stage].map(|g| {
        let value = PossibleValue::new(g.key());
        // `Grouping::from_key` also reads the stage grouping's former name.
        if g == Grouping::Stage {
            value.alias("grid")
        } else {
            value
        }
    });
    PossibleValuesParser::new(values).try_map(|k| Grouping::from_key(&k).ok_or("not a grouping"))
}

fn size(v: &str) -> Result<(u32, u32), String> {
    v.split_once(['x', 'X'])
        .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
        .filter(|(w, h)| (200..=4000).contains(w) && (150..=4000).contains(h))
        .ok_or_else(|| "not WxH between 200x150 and 4000x4000".to_string())
}

fn row(v: &str) -> Result<usize, String> {
    v.parse().map_err(|_| "not a row number".to_string())
}

/// Runs `convscope chart ...`: writes the SVG and reports the file on `out`.
pub fn run(a: &ChartArgs, out: &mut dyn Write) -> Result<(), String> {
    let state = super::commands::resolve(&a.network)?;
    let device = Device::find(&state.device).ok_or("unknown device")?;
    let options = Options {
        batch: state.batch,
        dtype: state.dtype,
        device,
        counting: state.counting,
        timing: crate::core::timing::TimeOptions { fused: state.fused },
    };
    let analysis = analysis::analyse(&state.arch, &options);
    let comparison =
        (a.kind == ChartKind::Tradeoff).then(|| whatif::compare(&state.arch, &options));
    let mut all = AllOptions::default();
    if let Some(metric) = a.metric {
        all.compute.metric = metric;
        all.tradeoff.metric = metric;
    }
    if let Some(grouping) = a.by {
        all.compute.grouping = grouping;
    }
    if a.log {
        all.rf.log = true;
    }
    let theme = if a.dark { Theme::Dark } else { Theme::Light };
    all.set_common(theme, a.highlight);
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
