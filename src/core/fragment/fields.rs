//! A fragment read once: `%XX` escapes undone, split at `&`, each key's value typed into its own field.

use crate::core::analysis::Counting;
use crate::core::arch::Architecture;
use crate::core::device::Device;
use crate::core::format;
use crate::core::fragment::{
    percent_decode, FragmentError, MeasuredLink, State, MAX_FRAGMENT_BYTES,
};
use crate::core::limits::MAX_BATCH;
use crate::core::shape::Dtype;

/// What a link says, key by key. The network's settings are typed here; a value that does not parse leaves its
/// field as it was (the default, or an earlier valid value of the same key) and adds a warning. The keys of the
/// layers above (the charts' switches) and of newer versions are kept, decoded, for those layers to read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fields {
    /// `arch=`: the architecture spec, not yet parsed (the last one when a link repeats it).
    pub arch: Option<String>,
    /// `batch=`: from 1 to [`MAX_BATCH`].
    pub batch: Option<u64>,
    /// `dtype=`.
    pub dtype: Option<Dtype>,
    /// `device=`: a device key (`t4`) or a custom device (`custom:<TFLOP/s>:<GB/s>`).
    pub device: Option<String>,
    /// `count=bias,norm,act,pool,addmul`: the switches named by every `count=` of the link.
    pub counting: Counting,
    /// `fused=1`: batch norm and activations folded into the convolutions' kernels.
    pub fused: bool,
    /// `sel=`: the selection (a module path or row key), the first value made only of letters, digits and
    /// `.:_-@` (at most 200 bytes).
    pub sel: Option<String>,
    /// The pinned baseline of a comparison: `base=<spec>` and `base.batch=`, `base.dtype=`, `base.device=`,
    /// `base.count=` (its own settings, defaults left out), read like the keys above.
    pub base: Option<Box<Fields>>,
    /// `meas=`: measured times of the network's rows (`core::measured` puts them back on the rows).
    pub measured: Option<MeasuredLink>,
    /// Every other `key=value` pair, in link order: the charts' switches and keys of newer versions.
    pub other: Vec<(String, String)>,
    /// The settings that did not parse, as sentences for the user.
    pub warnings: Vec<String>,
}

/// The longest `sel=` value a link may carry.
const MAX_SELECTION_BYTES: usize = 200;

impl Fields {
    /// Reads a link's fragment (with or without the leading `#`); fragments over [`MAX_FRAGMENT_BYTES`] are
    /// refused before any work.
    pub fn parse(fragment: &str) -> Result<Fields, FragmentError> {
        if fragment.len() > MAX_FRAGMENT_BYTES {
            return Err(FragmentError::TooLong {
                bytes: fragment.len(),
            });
        }
        Ok(Fields::parse_any_length(fragment))
    }

    /// [`Fields::parse`] without the size limit, for a fragment the app wrote itself.
    pub fn parse_any_length(fragment: &str) -> Fields {
        // The whole fragment is decoded before it is split, as links have always been read: a chat client that
        // escapes every `&` and `=` still gives a link that opens.
        let text = percent_decode(fragment.strip_prefix('#').unwrap_or(fragment));
        let mut fields = Fields::default();
        for part in text.split('&') {
            match part.split_once('=') {
                Some((key, value)) => fields.set(key.trim(), value),
                // A bare key reads as an empty value for the keys this codec knows (`batch` alone is reported,
                // `arch` alone is an empty spec); other bare words are ignored.
                None => fields.set_bare(part.trim()),
            }
        }
        fields
    }

    fn set_bare(&mut self, key: &str) {
        if matches!(key, "arch" | "batch" | "dtype" | "device" | "count") {
            self.set(key, "");
        }
    }

    fn set(&mut self, key: &str, value: &str) {
        if key == "base" || key.starts_with("base.") {
            let base = self.base.get_or_insert_with(Box::default);
            match key.strip_prefix("base.") {
                Some(k @ ("batch" | "dtype" | "device" | "count" | "fused")) => base.set(k, value),
                Some(_) => {}
                None => base.set("arch", value),
            }
            let warnings: Vec<String> = base.warnings.drain(..).collect();
            self.warnings
                .extend(warnings.into_iter().map(|w| format!("baseline: {w}")));
            return;
        }
        let warnings = &mut self.warnings;
        match key {
            "arch" => self.arch = Some(value.to_string()),
            "batch" => match value.parse::<u64>() {
                Ok(n) if (1..=MAX_BATCH).contains(&n) => self.batch = Some(n),
                _ => warnings.push(format!(
                    "batch `{value}` is not a whole number from 1 to {MAX_BATCH}; using 1"
                )),
            },
            "dtype" => match Dtype::from_name(value) {
                Some(d) => self.dtype = Some(d),
                None => warnings.push(format!("unknown dtype `{value}`; using fp32")),
            },
            "device" => match Device::find(value) {
                Some(d) => self.device = Some(d.key.clone() + &custom_suffix(value, &d)),
                None => warnings.push(format!("unknown device `{value}`; using the default")),
            },
            "count" => {
                for k in value.split(',').filter(|k| !k.is_empty()) {
                    let c = &mut self.counting;
                    match k {
                        "bias" => c.bias = true,
                        "norm" => c.norm = true,
                        "act" => c.activation = true,
                        "pool" => c.pool = true,
                        "addmul" => c.add_mul = true,
                        other => warnings.push(format!("unknown count switch `{other}` ignored")),
                    }
                }
            }
            "fused" => match value {
                "1" | "true" | "on" => self.fused = true,
                "0" | "false" | "off" => self.fused = false,
                _ => warnings.push(format!("fused `{value}` is not 1 or 0; kernels not fused")),
            },
            "sel" => {
                if self.sel.is_none() && is_selection(value) {
                    self.sel = Some(value.to_string());
                }
            }
            "meas" => match MeasuredLink::decode(value) {
                Ok(m) => self.measured = Some(m),
                Err(e) => warnings.push(format!("measured times (meas=) ignored: {e}")),
            },
            "" => {}
            _ => self.other.push((key.to_string(), value.to_string())),
        }
    }

    /// The state the link opens, with the warnings of its settings; an error when it has no architecture or the
    /// architecture does not parse.
    pub fn state(&self) -> Result<(State, Vec<String>), FragmentError> {
        let spec = self
            .arch
            .as_deref()
            .ok_or(FragmentError::MissingArchitecture)?;
        let arch = format::parse(spec).map_err(FragmentError::Spec)?;
        Ok((self.state_with(arch), self.warnings.clone()))
    }

    /// The pinned baseline the link carries, if any: its state, or why it could not be read.
    pub fn baseline(&self) -> Option<Result<State, FragmentError>> {
        let base = self.base.as_ref()?;
        Some(base.state().map(|(s, _)| s))
    }

    /// The link's settings on `arch` (the defaults where the link gives none): what a broken link's recovered
    /// architecture opens with.
    pub fn state_with(&self, arch: Architecture) -> State {
        let mut state = State::new(arch);
        if let Some(batch) = self.batch {
            state.batch = batch;
        }
        if let Some(dtype) = self.dtype {
            state.dtype = dtype;
        }
        if let Some(device) = &self.device {
            state.device = device.clone();
        }
        state.counting = self.counting;
        state.fused = self.fused;
        state
    }
}

/// Whether `s` may be a selection: a module path (`layer1.0:add`), a row key (`layer1.0.relu@2`, a module's
/// third call) or an editor node (`node:0-3.0-1`). Some sites escape the `:` of a functional call's path when they
/// rewrite a link, so it is checked after the escapes are undone, and anything else (markup, a long paste) is
/// refused.
fn is_selection(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SELECTION_BYTES
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".:_-@".contains(c))
}

/// A custom device keeps its numbers in the key.
fn custom_suffix(value: &str, d: &Device) -> String {
    if d.key == "custom" {
        value.strip_prefix("custom").unwrap_or("").to_string()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_lands_in_its_field() {
        let f = Fields::parse(
            "#arch=v1/3x8x8/relu&batch=8&dtype=bf16&device=a100&count=bias,act&sel=layer1.0:add\
             &per=stage&future=1",
        )
        .expect("short");
        assert_eq!(f.arch.as_deref(), Some("v1/3x8x8/relu"));
        assert_eq!(f.batch, Some(8));
        assert_eq!(f.dtype, Some(Dtype::Bf16));
        assert_eq!(f.device.as_deref(), Some("a100"));
        assert!(f.counting.bias && f.counting.activation && !f.counting.norm);
        assert_eq!(f.sel.as_deref(), Some("layer1.0:add"));
        assert_eq!(
            f.other,
            vec![
                ("per".to_string(), "stage".to_string()),
                ("future".to_string(), "1".to_string())
            ]
        );
        assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    }

    #[test]
    fn a_bad_value_keeps_the_earlier_one_and_says_so() {
        let f = Fields::parse_any_length("batch=4&batch=0&count=bias&count=norm,xyz&batch");
        assert_eq!(f.batch, Some(4));
        assert!(f.counting.bias && f.counting.norm);
        assert_eq!(f.warnings.len(), 3, "{:?}", f.warnings);
        assert!(f.warnings[0].contains("batch `0`"), "{:?}", f.warnings);
        assert!(f.warnings[1].contains("`xyz`"), "{:?}", f.warnings);
        assert!(f.warnings[2].contains("batch ``"), "{:?}", f.warnings);
    }

    #[test]
    fn the_first_selection_that_is_a_path_wins() {
        let f = Fields::parse_any_length("sel=%3Cb%3E&sel=layer1.0:add&sel=fc&sel");
        assert_eq!(f.sel.as_deref(), Some("layer1.0:add"));
        for sel in ["layer1.0.relu@2", "node:0-3.0-1"] {
            let f = Fields::parse_any_length(&format!("sel={}", sel.replace('@', "%40")));
            assert_eq!(f.sel.as_deref(), Some(sel));
        }
        let long = format!("sel={}", "a".repeat(201));
        assert_eq!(Fields::parse_any_length(&long).sel, None);
    }

    #[test]
    fn the_whole_fragment_is_decoded_before_it_is_split() {
        let f = Fields::parse_any_length(
            "arch%3Dv1%2F3x8x8%2Frelu%26batch%3D2%26sel%3Dlayer1.0%253Aadd",
        );
        assert_eq!(f.arch.as_deref(), Some("v1/3x8x8/relu"));
        assert_eq!(f.batch, Some(2));
        // Decoded once: an escape of an escape stays an escape (and is no module path).
        assert_eq!(f.sel, None);
    }

    #[test]
    fn bare_words_and_empty_parts() {
        let f = Fields::parse_any_length("&&metric&arch&");
        assert_eq!(f.arch.as_deref(), Some(""));
        assert!(f.other.is_empty() && f.warnings.is_empty());
    }
}
