//! `convscope validate FILE.csv...`: scores the time model and the roofline against DeepBench's measured cuDNN
//! times, one line per file (see `core::timing::validate`).

use std::io::Write;

use crate::core::device::Device;
use crate::core::shape::Dtype;
use crate::core::timing::validate::{self, Figures};

/// Runs the command on `files`; the device and dtype default to what each file's name says
/// (`v100_train_fp16.csv`).
pub fn run(
    device: Option<&str>,
    dtype: Option<Dtype>,
    calibrate: bool,
    files: &[String],
    out: &mut dyn Write,
) -> Result<(), String> {
    let device = device
        .map(|v| Device::find(v).ok_or_else(|| format!("--device: unknown device `{v}`")))
        .transpose()?;
    if files.is_empty() {
        return Err(
            "validate needs CSV files (DeepBench's format, e.g. shared/deepbench/*.csv)".into(),
        );
    }
    let mut text = String::from(
        "file                       device   dtype    n |      roofline: median  ≤1.5×   ≤2×  Spearman \
         |         model: median  ≤1.5×   ≤2×  Spearman\n",
    );
    let mut failures = 0;
    for path in files {
        match one(path, device.as_ref(), dtype, calibrate) {
            Ok(line) => text += &line,
            Err(msg) => {
                failures += 1;
                text += &format!("{path}: {msg}\n");
            }
        }
    }
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    if failures == files.len() {
        return Err("no file could be validated".into());
    }
    Ok(())
}

fn one(
    path: &str,
    device: Option<&Device>,
    dtype: Option<Dtype>,
    calibrate: bool,
) -> Result<String, String> {
    let name = std::path::Path::new(path)
        .file_name()
        .map_or(path.to_string(), |n| n.to_string_lossy().into_owned());
    let (named_device, named_dtype) = validate::setting_from_name(&name);
    let device = device
        .cloned()
        .or(named_device)
        .ok_or("which device? the file name names none; give --device")?;
    let dtype = dtype
        .or(named_dtype)
        .ok_or("which dtype? the file name names none; give --dtype")?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let base = device.key.clone();
    let (device, r) = if calibrate {
        validate::calibrate(&text, &device, dtype)?
    } else {
        (device.clone(), validate::validate(&text, &device, dtype)?)
    };
    let mut line = format!(
        "{name:<26} {:<8} {:<5} {:>4} | {} | {}\n",
        base,
        dtype.name(),
        r.model.n,
        cells(&r.roofline),
        cells(&r.model)
    );
    if calibrate {
        line += &format!("  calibrated: --device {}\n", device.link_key());
    }
    for m in &r.messages {
        line += &format!("  skipped {m}\n");
    }
    Ok(line)
}

fn cells(f: &Figures) -> String {
    format!(
        "{:>21} {:>5.0}% {:>4.0}% {:>9.3}",
        format!("×{:.2}", f.median_factor),
        f.within_1_5 * 100.0,
        f.within_2 * 100.0,
        f.spearman
    )
}
