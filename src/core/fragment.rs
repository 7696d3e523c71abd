//! The URL fragment codec: the whole shareable state (architecture, batch, dtype, device, counting switches) as
//! `#arch=<spec>&batch=64&dtype=fp16&device=t4&count=bias,norm`. Defaults are left out, unknown keys ignored, and
//! percent-escapes (which some chat clients add) are undone before parsing. Every reader of a link (the app, its
//! chart worker, the command line, recovery of a broken link) reads it through [`Fields`], once.

mod fields;
mod measured;

pub use fields::Fields;
pub use measured::{short_name, MeasuredLink};

use crate::core::analysis::Counting;
use crate::core::arch::Architecture;
use crate::core::device::Device;
use crate::core::format::{self, ParseError};
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
    /// Batch norm and activations folded into the preceding convolution's kernel (an inference engine): `fused=1`.
    pub fused: bool,
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
            fused: false,
        }
    }
}

fn default_device() -> String {
    Device::default_preset().map_or_else(|| "t4".into(), |d| d.key)
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
    if state.fused {
        out.push_str("&fused=1");
    }
    out
}

/// Encodes a state with a pinned baseline: the state as [`encode`] writes it, then the baseline's spec as `base=`
/// and its settings as `base.batch=`, `base.dtype=`, `base.device=`, `base.count=` (defaults left out).
pub fn encode_with_base(state: &State, base: Option<&State>) -> String {
    let mut out = encode(state);
    if let Some(base) = base {
        for part in encode(base).split('&') {
            match part.strip_prefix("arch=") {
                Some(spec) => {
                    out.push_str("&base=");
                    out.push_str(spec);
                }
                None => {
                    out.push_str("&base.");
                    out.push_str(part);
                }
            }
        }
    }
    out
}

/// Decodes a fragment (with or without the leading `#`). Settings that do not parse fall back to their defaults and
/// are reported in the returned warnings; only a missing or broken architecture is an error.
pub fn decode(fragment: &str) -> Result<(State, Vec<String>), FragmentError> {
    Fields::parse(fragment)?.state()
}

/// [`decode`] without the size limit, for a fragment the app wrote itself (the chart worker's copy of the page's
/// network, which may be larger than a link accepts: the text view takes any size).
pub fn decode_any_length(fragment: &str) -> Result<(State, Vec<String>), FragmentError> {
    Fields::parse_any_length(fragment).state()
}

/// Undoes `%XX` escapes; malformed escapes are kept as they are, bytes that are not UTF-8 become U+FFFD.
pub fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_baseline_round_trips_with_its_own_settings() {
        let mut b = State::new(format::parse("v1/3x32x32/conv(16,3,p1)/relu").expect("parses"));
        b.fused = true;
        let mut a = State::new(format::parse("v1/3x64x64/conv(8,3)").expect("parses"));
        a.batch = 8;
        a.dtype = Dtype::Fp16;
        a.counting.norm = true;
        let link = encode_with_base(&b, Some(&a));
        assert_eq!(
            link,
            "arch=v1/3x32x32/conv(16,3,p1)/relu&fused=1&base=v1/3x64x64/conv(8,3)&base.batch=8\
             &base.dtype=fp16&base.count=norm"
        );
        let f = Fields::parse(&link).expect("short");
        assert_eq!(f.state().map(|s| s.0), Ok(b.clone()));
        assert_eq!(f.baseline(), Some(Ok(a)));
        assert!(f.warnings.is_empty());
        assert_eq!(Fields::parse(&encode(&b)).map(|f| f.baseline()), Ok(None));
        // A broken baseline is an error of its own; the edited network still opens.
        let f = Fields::parse(&format!(
            "{}&base=v1/3x8x8/nonsense(&base.batch=0",
            encode(&b)
        ))
        .expect("short");
        assert!(matches!(f.baseline(), Some(Err(FragmentError::Spec(_)))));
        assert!(f.state().is_ok());
        assert_eq!(f.warnings.len(), 1, "{:?}", f.warnings);
        assert!(f.warnings[0].starts_with("baseline: batch"));
    }

    #[test]
    fn percent_escapes_are_undone() {
        assert_eq!(percent_decode("conv%2864%2C3%29"), "conv(64,3)");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn malformed_escapes_stay_and_bad_utf8_is_replaced() {
        // A sign is no hex digit (the hand-written decoder took `%+1` for byte 1).
        assert_eq!(percent_decode("%+1%-1%%41"), "%+1%-1%A");
        assert_eq!(percent_decode("a%FFb%C3%A9"), "a\u{FFFD}bé");
    }
}
