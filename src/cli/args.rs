//! The command line's grammar, declared with clap: subcommands, flags, their help and the checks of their values.
//! What the values mean (which network a target names, which device) is left to `commands.rs`.

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::cli::chart::ChartArgs;
use crate::core::analysis::Counting;
use crate::core::arch::Input;
use crate::core::device::Device;
use crate::core::limits::{MAX_BATCH, MAX_CHANNELS, MAX_SPATIAL};
use crate::core::shape::Dtype;

/// convscope: where does the computation in a CNN happen, and what does it cost?
#[derive(Debug, Parser)]
#[command(name = "convscope", version, arg_required_else_help = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Per-layer shapes, parameters, MACs, memory traffic, receptive field and time of a network
    Summary {
        #[command(flatten)]
        network: NetworkArgs,
        /// How to print the layers and totals (JSON: docs/json.md)
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Measured times (tools/measure/measure.py, docs/measurement.md) to print beside the estimate
        #[arg(long, value_name = "FILE.json")]
        measured: Option<String>,
        /// Fit the device's compute, bandwidth and floor to the measured times (needs --measured)
        #[arg(long, requires = "measured")]
        calibrate: bool,
    },
    /// Score the time model and the roofline against measured times (DeepBench CSVs)
    Validate {
        /// The device [default: what each file's name says, e.g. v100_train_fp16.csv]
        #[arg(long, value_name = "NAME", value_parser = device)]
        device: Option<String>,
        /// The element type [default: what each file's name says]
        #[arg(long, ignore_case = true, value_parser = dtype())]
        dtype: Option<Dtype>,
        /// Fit the device's compute, bandwidth and floor to each file first
        #[arg(long)]
        calibrate: bool,
        /// DeepBench-format CSV files (../shared/deepbench/*.csv)
        #[arg(required = true, value_name = "FILE.csv")]
        files: Vec<String>,
    },
    /// Print a preset or an ONNX model in the text format
    Spec {
        /// A preset name (see `convscope presets`) or an ONNX file (model.onnx)
        preset: String,
    },
    /// Print the URL fragment that opens a network in the app
    Link {
        #[command(flatten)]
        network: NetworkArgs,
    },
    /// Compare a network B with a baseline A: totals, stage subtotals or layers side by side
    Diff {
        /// The baseline A: a preset, a spec, @FILE or a link
        a: String,
        /// B and the settings both are analysed with
        #[command(flatten)]
        network: NetworkArgs,
        /// Which table follows the totals
        #[arg(long, value_enum, default_value_t = DiffBy::Stage)]
        by: DiffBy,
        /// How to print the comparison
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Draw one of the app's charts as SVG
    Chart(ChartArgs),
    /// List the presets
    Presets,
    /// List the device presets
    Devices,
}

/// Output formats of `summary`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    #[value(alias = "md")]
    Markdown,
    Json,
}

/// The table `diff` prints after the totals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffBy {
    /// Stage subtotals (runs of one output grid), A beside B
    Stage,
    /// Every layer of B with its match in A
    Layer,
}

/// A network and the settings it is analysed with: what `summary`, `link` and `chart` share.
#[derive(Clone, Debug, PartialEq, Args)]
pub struct NetworkArgs {
    /// A preset (see `convscope presets`), a spec (docs/format.md), @FILE holding one, a link from the app, or an
    /// ONNX file (model.onnx)
    pub target: String,
    /// The input's channels, height and width, replacing the network's
    #[arg(long, value_name = "CxHxW", value_parser = input)]
    pub input: Option<Input>,
    /// Batch size [default: the preset's or the link's, else 1]
    #[arg(long, value_name = "N", value_parser = batch)]
    pub batch: Option<u64>,
    /// Element type of activations and weights
    #[arg(long, ignore_case = true, default_value = "fp32", value_parser = dtype())]
    pub dtype: Dtype,
    /// A device preset (see `convscope devices`), or custom:<TFLOP/s>:<GB/s>[:<SMs>:<floor µs>] [default: t4]
    #[arg(long, value_name = "NAME", value_parser = device)]
    pub device: Option<String>,
    /// Optional counts to add to the MACs: any of bias, norm, act, pool, addmul, or all
    #[arg(long, value_name = "LIST", value_parser = counting)]
    pub count: Option<Counting>,
    /// Fold batch norm and activations into the preceding convolution, as an inference engine does
    #[arg(long)]
    pub fused: bool,
}

fn dtype() -> impl TypedValueParser<Value = Dtype> {
    PossibleValuesParser::new(Dtype::ALL.map(Dtype::name))
        .try_map(|name| Dtype::from_name(&name).ok_or("not an element type"))
}

fn batch(v: &str) -> Result<u64, String> {
    v.parse()
        .ok()
        .filter(|n| (1..=MAX_BATCH).contains(n))
        .ok_or_else(|| format!("not a whole number from 1 to {MAX_BATCH}"))
}

fn device(v: &str) -> Result<String, String> {
    match Device::find(v) {
        Some(_) => Ok(v.to_string()),
        None => Err("unknown device (see `convscope devices`)".to_string()),
    }
}

/// `CxHxW`.
fn input(v: &str) -> Result<Input, String> {
    let parts: Vec<Option<u64>> = v
        .split(['x', 'X', '×'])
        .map(|p| p.trim().parse().ok())
        .collect();
    match parts.as_slice() {
        [Some(c), Some(h), Some(w)]
            if (1..=MAX_CHANNELS).contains(c)
                && (1..=MAX_SPATIAL).contains(h)
                && (1..=MAX_SPATIAL).contains(w) =>
        {
            Ok(Input {
                c: *c,
                h: *h,
                w: *w,
            })
        }
        _ => Err(format!(
            "not CxHxW with channels ≤ {MAX_CHANNELS} and sides ≤ {MAX_SPATIAL}"
        )),
    }
}

/// `bias,norm,act,pool,addmul` or `all`.
fn counting(v: &str) -> Result<Counting, String> {
    let mut c = Counting::default();
    for k in v.split(',').filter(|k| !k.is_empty()) {
        match k {
            "all" => c = Counting::ALL,
            "bias" => c.bias = true,
            "norm" => c.norm = true,
            "act" => c.activation = true,
            "pool" => c.pool = true,
            "addmul" => c.add_mul = true,
            other => {
                return Err(format!(
                    "`{other}` is not one of bias, norm, act, pool, addmul, all"
                ))
            }
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_grammar_is_consistent() {
        Cli::command().debug_assert();
    }
}
