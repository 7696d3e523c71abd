//! A measurement file's JSON text → [`Measurement`], every problem a message that names it. Shared by the command
//! line (`summary --measured`) and the app (a dropped or picked file), so both refuse the same files alike.

use serde_json::Value;

use crate::core::measured::{check, Measurement, ModuleTime, MAX_BYTES, SCHEMA};

/// Refuses a file of `bytes` bytes before it is read when it is over [`MAX_BYTES`].
pub fn check_size(bytes: u64) -> Result<(), String> {
    if bytes > MAX_BYTES as u64 {
        return Err(format!(
            "the file is {bytes} bytes; measurement files over {MAX_BYTES} bytes are refused"
        ));
    }
    Ok(())
}

/// Whether `text` looks like a measurement file (JSON naming a schema) rather than a spec or a model: the app's
/// drop zone takes either, and a JSON file with another schema gets the measurement's message, not the spec's.
pub fn looks_like_measurement(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with('{') && t.contains("\"schema\"")
}

/// Decodes the JSON text of a measurement and checks its values.
pub fn decode(text: &str) -> Result<Measurement, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
    match v["schema"].as_str() {
        Some(SCHEMA) => {}
        Some(other) => return Err(format!("unknown schema `{other}` (expected `{SCHEMA}`)")),
        None => return Err(format!("no `schema` field (expected `{SCHEMA}`)")),
    }
    let number = |v: &Value, what: &str| {
        v.as_f64()
            .ok_or_else(|| format!("`{what}` is missing or not a number"))
    };
    let modules = v["modules"]
        .as_array()
        .ok_or("`modules` is missing or not a list")?
        .iter()
        .enumerate()
        .map(|(i, m)| {
            Ok(ModuleTime {
                path: m["path"]
                    .as_str()
                    .ok_or_else(|| format!("modules[{i}].path is missing"))?
                    .to_string(),
                call: m["call"].as_u64().unwrap_or(0),
                time_s: number(&m["time_s"], &format!("modules[{i}].time_s"))?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let m = Measurement {
        device_name: v["device"]["name"].as_str().unwrap_or("?").to_string(),
        batch: v["batch"]
            .as_u64()
            .ok_or("`batch` is missing or not a whole number")?,
        dtype: v["dtype"].as_str().unwrap_or("fp32").to_string(),
        total_s: number(&v["total_s"], "total_s")?,
        modules,
    };
    check(&m)?;
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measurements_are_told_from_specs_and_models() {
        assert!(looks_like_measurement(
            " {\"schema\": \"convscope.measurement/1\"}"
        ));
        assert!(looks_like_measurement("{\"schema\": \"other/2\"}"));
        assert!(!looks_like_measurement("v1/3x8x8/conv(8,3)"));
        assert!(!looks_like_measurement("{\"not\": 1}"));
    }

    #[test]
    fn sizes_over_the_limit_are_refused() {
        assert!(check_size(MAX_BYTES as u64).is_ok());
        let e = check_size(MAX_BYTES as u64 + 1).expect_err("too big");
        assert!(e.contains("over 5242880 bytes"), "{e}");
    }
}
