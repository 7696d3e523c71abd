//! Command-line options, parsed by hand (a handful of flags does not need a dependency).

use crate::core::analysis::Counting;
use crate::core::arch::Input;
use crate::core::limits::{MAX_BATCH, MAX_CHANNELS, MAX_SPATIAL};
use crate::core::shape::Dtype;

/// Output formats of `summary`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Markdown,
    Json,
}

/// Options shared by `summary` and `link`.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub target: Option<String>,
    pub input: Option<Input>,
    pub batch: Option<u64>,
    pub dtype: Dtype,
    pub device: Option<String>,
    pub format: Format,
    pub counting: Counting,
    /// Fold batch norm and activations into the preceding convolution (inference engine).
    pub fused: bool,
    /// A measurement file (`convscope.measurement/1`) to compare with.
    pub measured: Option<String>,
    /// Fit the device to the measurement.
    pub calibrate: bool,
}

/// Parses `<target> [--flag value]...`.
pub fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        target: None,
        input: None,
        batch: None,
        dtype: Dtype::Fp32,
        device: None,
        format: Format::Table,
        counting: Counting::default(),
        fused: false,
        measured: None,
        calibrate: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        if flag == "--fused" || flag == "--calibrate" {
            o.fused |= flag == "--fused";
            o.calibrate |= flag == "--calibrate";
            continue;
        }
        if !flag.starts_with("--") {
            if o.target.is_some() {
                return Err(format!("unexpected argument `{arg}`"));
            }
            o.target = Some(arg.clone());
            continue;
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag {
            "--input" => o.input = Some(input(&value()?)?),
            "--batch" => {
                let v = value()?;
                o.batch = Some(
                    v.parse()
                        .ok()
                        .filter(|n| (1..=MAX_BATCH).contains(n))
                        .ok_or_else(|| {
                            format!("--batch: `{v}` is not a whole number from 1 to {MAX_BATCH}")
                        })?,
                );
            }
            "--dtype" => {
                let v = value()?;
                o.dtype = Dtype::from_name(&v).ok_or_else(|| {
                    format!("--dtype: `{v}` is not one of fp32, fp16, bf16, int8")
                })?;
            }
            "--device" => o.device = Some(value()?),
            "--measured" => o.measured = Some(value()?),
            "--format" => {
                o.format = match value()?.as_str() {
                    "table" => Format::Table,
                    "markdown" | "md" => Format::Markdown,
                    "json" => Format::Json,
                    other => {
                        return Err(format!(
                            "--format: `{other}` is not one of table, markdown, json"
                        ))
                    }
                }
            }
            "--count" => o.counting = counting(&value()?)?,
            _ => return Err(format!("unknown option `{flag}`")),
        }
    }
    Ok(o)
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
            "--input: `{v}` is not CxHxW with channels ≤ {MAX_CHANNELS} and sides ≤ {MAX_SPATIAL}"
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
                    "--count: `{other}` is not one of bias, norm, act, pool, addmul, all"
                ))
            }
        }
    }
    Ok(c)
}
