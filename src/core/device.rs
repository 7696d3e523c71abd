//! Device presets for the roofline estimate: peak dense FLOP/s per dtype and memory bandwidth, from vendor datasheets.
//!
//! Peaks are *dense* (no structured sparsity). fp32 is the CUDA-core rate: PyTorch may run fp32 convolutions on
//! TF32 tensor cores, which would be faster; we take the conservative figure. fp16/bf16 use tensor cores with fp32
//! accumulation where the vendor separates the two. int8 is counted in OPS as FLOPs.

use crate::core::shape::Dtype;

/// A device: peak rates and memory bandwidth.
#[derive(Clone, Debug, PartialEq)]
pub struct Device {
    /// Short key used on the command line and in links (`t4`, `h100`, ...).
    pub key: String,
    /// Full name shown in menus.
    pub name: String,
    /// Peak FLOP/s for fp32, fp16, bf16, int8 (OPS).
    pub peak: [f64; 4],
    /// Memory bandwidth in bytes per second.
    pub bandwidth: f64,
    /// Where the numbers come from.
    pub source: &'static str,
}

const T: f64 = 1e12;
const G: f64 = 1e9;

impl Device {
    /// Peak FLOP/s for a dtype.
    pub fn peak_for(&self, dtype: Dtype) -> f64 {
        let i = match dtype {
            Dtype::Fp32 => 0,
            Dtype::Fp16 => 1,
            Dtype::Bf16 => 2,
            Dtype::Int8 => 3,
        };
        self.peak[i]
    }

    /// The ridge point: the arithmetic intensity (FLOP/byte) above which a layer is compute-bound.
    pub fn ridge(&self, dtype: Dtype) -> f64 {
        self.peak_for(dtype) / self.bandwidth
    }

    /// A user-defined device with one peak for every dtype.
    pub fn custom(peak_flops: f64, bandwidth: f64) -> Device {
        Device {
            key: "custom".into(),
            name: "Custom device".into(),
            peak: [peak_flops; 4],
            bandwidth,
            source: "user-defined",
        }
    }

    fn preset(
        key: &str,
        name: &str,
        peak: [f64; 4],
        bandwidth: f64,
        source: &'static str,
    ) -> Device {
        Device {
            key: key.into(),
            name: name.into(),
            peak,
            bandwidth,
            source,
        }
    }

    /// The built-in presets, the first being the default.
    pub fn presets() -> Vec<Device> {
        vec![
            // NVIDIA T4 datasheet (2019): FP32 8.1 TFLOPS, mixed FP16 65 TFLOPS, INT8 130 TOPS, 320 GB/s GDDR6.
            // Turing has no bf16: it runs at the fp32 rate.
            Device::preset(
                "t4",
                "NVIDIA T4",
                [8.1 * T, 65.0 * T, 8.1 * T, 130.0 * T],
                320.0 * G,
                "NVIDIA T4 datasheet",
            ),
            // NVIDIA A100 datasheet (SXM4 80 GB): FP32 19.5, FP16/BF16 tensor 312, INT8 624 TOPS, 2,039 GB/s.
            Device::preset(
                "a100",
                "NVIDIA A100 SXM4 80GB",
                [19.5 * T, 312.0 * T, 312.0 * T, 624.0 * T],
                2039.0 * G,
                "NVIDIA A100 datasheet",
            ),
            // NVIDIA H100 datasheet (SXM5): FP32 67, FP16/BF16 tensor 989.4 dense (1,979 with sparsity),
            // INT8 1,979 TOPS dense, HBM3 3.35 TB/s.
            Device::preset(
                "h100",
                "NVIDIA H100 SXM5",
                [67.0 * T, 989.4 * T, 989.4 * T, 1979.0 * T],
                3350.0 * G,
                "NVIDIA H100 datasheet",
            ),
            // NVIDIA Ada Lovelace architecture whitepaper, RTX 4090: FP32 82.6, FP16/BF16 tensor with FP32
            // accumulate 165.2 dense, INT8 tensor 660.6 TOPS dense, 1,008 GB/s GDDR6X.
            Device::preset(
                "rtx4090",
                "NVIDIA GeForce RTX 4090",
                [82.6 * T, 165.2 * T, 165.2 * T, 660.6 * T],
                1008.0 * G,
                "NVIDIA Ada GPU architecture whitepaper",
            ),
            // Apple M2 Max (38-core GPU) press release, Jan 2023: "up to 13.6 teraflops", 400 GB/s unified memory.
            // The GPU runs fp16 at the fp32 rate; no separate int8 rate is published.
            Device::preset(
                "m2max",
                "Apple M2 Max GPU (38-core)",
                [13.6 * T; 4],
                400.0 * G,
                "Apple M2 Pro/M2 Max press release",
            ),
            // A typical laptop CPU, Intel Core i7-1165G7: 4 cores × 2.8 GHz base × 32 FP32 FLOP/cycle
            // (one 16-lane AVX-512 FMA unit) = 358 GFLOP/s; no native fp16/bf16 arithmetic (fp32 rate);
            // AVX-512 VNNI: 4× int8; LPDDR4x-4266, 68.3 GB/s (Intel ARK).
            Device::preset(
                "laptop_cpu",
                "Laptop CPU (Intel Core i7-1165G7, 4 cores)",
                [358.4 * G, 358.4 * G, 358.4 * G, 1433.6 * G],
                68.3 * G,
                "Intel ARK i7-1165G7; AVX-512 FMA throughput",
            ),
        ]
    }

    /// Finds a preset by key (case-insensitive), or parses `custom:<peak TFLOP/s>:<bandwidth GB/s>`.
    pub fn find(key: &str) -> Option<Device> {
        if let Some(rest) = key.strip_prefix("custom:") {
            let (peak, bw) = rest.split_once(':')?;
            let peak: f64 = peak.parse().ok()?;
            let bw: f64 = bw.parse().ok()?;
            let valid = |v: f64| v.is_finite() && v > 0.0 && v < 1e9;
            return (valid(peak) && valid(bw)).then(|| Device::custom(peak * T, bw * G));
        }
        Device::presets()
            .into_iter()
            .find(|d| d.key.eq_ignore_ascii_case(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_found() {
        let presets = Device::presets();
        for d in &presets {
            assert_eq!(Device::find(&d.key).as_ref(), Some(d));
            assert!(d.bandwidth > 0.0 && d.peak.iter().all(|p| *p > 0.0));
        }
        assert!(presets.len() >= 6);
    }

    #[test]
    fn custom_device_parses_units() {
        let d = Device::find("custom:10:500").expect("valid custom device");
        assert_eq!(d.peak_for(Dtype::Fp16), 10e12);
        assert_eq!(d.bandwidth, 500e9);
        assert!(Device::find("custom:-1:5").is_none());
        assert!(Device::find("custom:nan:5").is_none());
    }
}
