//! Measured times in a link: `meas=1,<batch>,<dtype>,<device>,<total>,<rows>`. Each time is four base-36 digits
//! (five significant decimal digits of picoseconds and a power of ten), the rows' times follow in row order with `.`
//! for a row without a measurement, so resnet50's 175 rows take about 700 characters and a link stays pasteable.
//! The rows are the link's own network's: the times are put back on its rows by position, which is why only the
//! matched rows travel (measured modules that are not in the network are not in the link).

/// Measured times as a link carries them.
#[derive(Clone, Debug, PartialEq)]
pub struct MeasuredLink {
    /// Where they were measured, shortened to letters, digits and `._-()` (at most [`MAX_NAME`] characters).
    pub device_name: String,
    /// The batch it was measured at.
    pub batch: u64,
    /// The dtype it was measured in (`fp32`…), as the file names it.
    pub dtype: String,
    /// The whole network's measured time.
    pub total_s: f64,
    /// Per row of the link's network, its measured time.
    pub rows: Vec<Option<f64>>,
}

/// The longest device name a link keeps.
pub const MAX_NAME: usize = 40;
/// The link form's version, its first field.
const VERSION: &str = "1";
/// Digits of a time: 36⁴ = 1,679,616 codes hold a mantissa below 10⁵ times 16 powers of ten.
const WIDTH: usize = 4;
const MANTISSA: u64 = 100_000;
const MAX_EXPONENT: u64 = 15;

/// A time in seconds as its code, `None` when it is not a positive time from 1 ps to about 10⁸ s.
fn time_code(t: f64) -> Option<u64> {
    let ps = t * 1e12;
    if !(ps.is_finite() && ps >= 0.5) {
        return None;
    }
    let mut e = (ps.log10().floor() as i64 - 4).max(0) as u64;
    let mut m = (ps / 10f64.powi(e as i32)).round() as u64;
    if m >= MANTISSA {
        e += 1;
        m = (ps / 10f64.powi(e as i32)).round() as u64;
    }
    (e <= MAX_EXPONENT && m > 0).then_some(e * MANTISSA + m)
}

fn code_time(code: u64) -> Option<f64> {
    let (e, m) = (code / MANTISSA, code % MANTISSA);
    (e <= MAX_EXPONENT && m > 0).then(|| m as f64 * 10f64.powi(e as i32) * 1e-12)
}

fn push_code(out: &mut String, code: u64) {
    let mut digits = [b'0'; WIDTH];
    let mut c = code;
    for d in digits.iter_mut().rev() {
        *d = b"0123456789abcdefghijklmnopqrstuvwxyz"[(c % 36) as usize];
        c /= 36;
    }
    out.extend(digits.iter().map(|&b| b as char));
}

fn read_code(s: &str) -> Option<f64> {
    let code = u64::from_str_radix(s, 36).ok()?;
    code_time(code)
}

/// A device name as a link keeps it.
pub fn short_name(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(MAX_NAME)
        .collect()
}

impl MeasuredLink {
    /// The value of `meas=`; `None` when a time cannot be written (not positive, or beyond 10⁸ s).
    pub fn encode(&self) -> Option<String> {
        let mut out = format!(
            "{VERSION},{},{},{},",
            self.batch,
            short_name(&self.dtype),
            short_name(&self.device_name)
        );
        push_code(&mut out, time_code(self.total_s)?);
        out.push(',');
        // Rows after the last measured one are left out.
        let last = self
            .rows
            .iter()
            .rposition(Option::is_some)
            .map_or(0, |i| i + 1);
        for t in &self.rows[..last] {
            match t {
                Some(t) => push_code(&mut out, time_code(*t)?),
                None => out.push('.'),
            }
        }
        Some(out)
    }

    /// Reads the value of `meas=`; the error says what is wrong with it.
    pub fn decode(value: &str) -> Result<MeasuredLink, String> {
        let parts: Vec<&str> = value.split(',').collect();
        let [version, batch, dtype, device, total, rows] = parts.as_slice() else {
            return Err("not six comma-separated fields".into());
        };
        if *version != VERSION {
            return Err(format!("unknown version `{}`", short_name(version)));
        }
        let batch = batch
            .parse::<u64>()
            .ok()
            .filter(|b| (1..=crate::core::limits::MAX_BATCH).contains(b))
            .ok_or("the batch is not a whole number in range")?;
        let total_s = (total.len() == WIDTH)
            .then(|| read_code(total))
            .flatten()
            .ok_or("the total time is not a time")?;
        let mut times = Vec::new();
        let mut rest = *rows;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('.') {
                times.push(None);
                rest = r;
                continue;
            }
            let (code, r) = rest
                .split_at_checked(WIDTH)
                .ok_or("a row's time is cut short")?;
            times.push(Some(read_code(code).ok_or("a row's time is not a time")?));
            rest = r;
        }
        if times.len() > crate::core::limits::MAX_ROWS {
            return Err("more rows than a network may have".into());
        }
        Ok(MeasuredLink {
            device_name: short_name(device),
            batch,
            dtype: short_name(dtype),
            total_s,
            rows: times,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_keep_five_significant_digits_over_the_whole_range() {
        for t in [
            1e-12,
            2.5e-9,
            1.234_56e-6,
            0.096_521_491,
            0.694_551_405,
            3.0,
            12_345.678,
            9.9e7,
        ] {
            let code = time_code(t).unwrap_or_else(|| panic!("{t} is encodable"));
            let back = code_time(code).expect("decodable");
            assert!((back / t - 1.0).abs() <= 0.5e-4 + 1e-12, "{t} → {back}");
        }
        for bad in [0.0, -1e-3, f64::NAN, f64::INFINITY, 1e-13, 1e9] {
            assert_eq!(time_code(bad), None, "{bad}");
        }
    }
}
