//! The URL fragment codec: the whole shareable state (architecture, batch, dtype, device, counting switches) as
//! `#arch=<spec>&batch=64&dtype=fp16&device=t4&count=bias,norm`. Defaults are left out, unknown keys ignored, and
//! percent-escapes (which some chat clients add) are undone before parsing.

use crate::core::analysis::Counting;
use crate::core::arch::Architecture;
use crate::core::device::Device;
use crate::core::format::{self, ParseError};
use crate::core::limits::MAX_BATCH;
use crate::core::shape::Dtype;

/// Fragments longer than this are refused before parsing.
pub const MAX_FRAGMENT_BYTES: usize = 100 * 1024;

/// Everything a link restores.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub arch: Architecture,
    pub batch: u64,
    pub dtype: Dtype,
    /// A device key (`t4`) or a custom device (`custom:<TFLOP/s>:<GB/s>`).
    pub device: String,
    pub counting: Counting,
}

impl State {
    /// A state with default settings for `arch`.
    pub fn new(arch: Architecture) -> State {
        State {
            arch,
            batch: 1,
            dtype: Dtype::Fp32,
            device: default_device(),
            counting: Counting::default(),
        }
    }
}

fn default_device() -> String {
    Device::presets()
        .first()
        .map_or_else(|| "t4".into(), |d| d.key.clone())
}

/// Why a fragment could not be read, with what could still be recovered.
#[derive(Clone, Debug, PartialEq)]
pub enum FragmentError {
    TooLong {
        bytes: usize,
    },
    /// No `arch=` key.
    MissingArchitecture,
    /// The architecture spec does not parse.
    Spec(ParseError),
}

impl std::fmt::Display for FragmentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FragmentError::TooLong { bytes } => {
                write!(f, "the link is {bytes} bytes long; links over {MAX_FRAGMENT_BYTES} bytes are refused")
            }
            FragmentError::MissingArchitecture => {
                f.write_str("the link holds no architecture (no `arch=`)")
            }
            FragmentError::Spec(e) => write!(f, "the link's architecture is invalid {e}"),
        }
    }
}

/// Encodes a state; the spec is URL-safe as it stands.
pub fn encode(state: &State) -> String {
    let mut out = format!("arch={}", format::print(&state.arch));
    if state.batch != 1 {
        out.push_str(&format!("&batch={}", state.batch));
    }
    if state.dtype != Dtype::Fp32 {
        out.push_str(&format!("&dtype={}", state.dtype.name()));
    }
    if state.device != default_device() {
        out.push_str(&format!("&device={}", state.device));
    }
    let c = state.counting;
    let on: Vec<&str> = [
        (c.bias, "bias"),
        (c.norm, "norm"),
        (c.activation, "act"),
        (c.pool, "pool"),
        (c.add_mul, "addmul"),
    ]
    .into_iter()
    .filter_map(|(on, k)| on.then_some(k))
    .collect();
    if !on.is_empty() {
        out.push_str(&format!("&count={}", on.join(",")));
    }
    out
}

/// Decodes a fragment (with or without the leading `#`). Settings that do not parse fall back to their defaults and
/// are reported in the returned warnings; only a missing or broken architecture is an error.
pub fn decode(fragment: &str) -> Result<(State, Vec<String>), FragmentError> {
    if fragment.len() > MAX_FRAGMENT_BYTES {
        return Err(FragmentError::TooLong {
            bytes: fragment.len(),
        });
    }
    decode_any_length(fragment)
}

/// [`decode`] without the size limit, for a fragment the app wrote itself (the chart worker's copy of the page's
/// network, which may be larger than a link accepts: the text view takes any size).
pub fn decode_any_length(fragment: &str) -> Result<(State, Vec<String>), FragmentError> {
    let text = percent_decode(fragment.strip_prefix('#').unwrap_or(fragment));
    let mut warnings = Vec::new();
    let mut arch = None;
    let mut state_parts = Vec::new();
    for part in text.split('&') {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        match key.trim() {
            "arch" => arch = Some(format::parse(value).map_err(FragmentError::Spec)?),
            "" => {}
            k => state_parts.push((k.to_string(), value.to_string())),
        }
    }
    let mut state = State::new(arch.ok_or(FragmentError::MissingArchitecture)?);
    for (key, value) in state_parts {
        apply_setting(&mut state, &key, &value, &mut warnings);
    }
    Ok((state, warnings))
}

fn apply_setting(state: &mut State, key: &str, value: &str, warnings: &mut Vec<String>) {
    match key {
        "batch" => match value.parse::<u64>() {
            Ok(n) if (1..=MAX_BATCH).contains(&n) => state.batch = n,
            _ => warnings.push(format!(
                "batch `{value}` is not a whole number from 1 to {MAX_BATCH}; using 1"
            )),
        },
        "dtype" => match Dtype::from_name(value) {
            Some(d) => state.dtype = d,
            None => warnings.push(format!("unknown dtype `{value}`; using fp32")),
        },
        "device" => match Device::find(value) {
            Some(d) => state.device = d.key.clone() + &custom_suffix(value, &d),
            None => warnings.push(format!("unknown device `{value}`; using the default")),
        },
        "count" => {
            for k in value.split(',').filter(|k| !k.is_empty()) {
                match k {
                    "bias" => state.counting.bias = true,
                    "norm" => state.counting.norm = true,
                    "act" => state.counting.activation = true,
                    "pool" => state.counting.pool = true,
                    "addmul" => state.counting.add_mul = true,
                    other => warnings.push(format!("unknown count switch `{other}` ignored")),
                }
            }
        }
        // Keys of newer versions (view choices, ...) are ignored so old builds still open new links.
        _ => {}
    }
}

/// A custom device keeps its numbers in the key.
fn custom_suffix(value: &str, d: &Device) -> String {
    if d.key == "custom" {
        value.strip_prefix("custom").unwrap_or("").to_string()
    } else {
        String::new()
    }
}

/// Undoes `%XX` escapes; malformed escapes are kept as they are.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(b) = hex {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_escapes_are_undone() {
        assert_eq!(percent_decode("conv%2864%2C3%29"), "conv(64,3)");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
