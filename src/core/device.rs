//! Devices: what the roofline and the time model need to know about a GPU or CPU, every number with its source,
//! and the one parser of a device's link and command-line form (a preset key or `custom:…`).
//!
//! `peak` holds the *datasheet* dense peaks (boost clock): the roofline's best case, unchanged since the first
//! version. `sustained` holds the peaks at the clock a device keeps under a long GEMM load (the base clock where
//! the vendor publishes one): what the time model uses. fp32 is the CUDA-core rate: PyTorch may run fp32
//! convolutions on TF32 tensor cores, which would be faster; we take the conservative figure. fp16/bf16 use tensor
//! cores with fp32 accumulation where the vendor separates the two. int8 is counted in OPS as FLOPs.

use crate::core::shape::Dtype;

/// What kind of processor a device is: it decides which terms of the time model apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceKind {
    /// An NVIDIA-style GPU: streaming multiprocessors, GEMM tiles spread over them in waves, tensor cores.
    Gpu,
    /// An Apple GPU: no published SM count or tile sizes, so no tile or wave quantisation.
    AppleGpu,
    /// A CPU: no tiles or waves either; the path PyTorch's CPU backend takes for each kind of layer decides
    /// ([`crate::core::timing::cpu`]).
    Cpu,
}

/// A device: peak rates, memory bandwidth and what the time model needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Device {
    /// Short key used on the command line and in links (`t4`, `h100`, ...).
    pub key: String,
    /// Full name shown in menus.
    pub name: String,
    /// Datasheet peak FLOP/s for fp32, fp16, bf16, int8 (OPS): the roofline's roof.
    pub peak: [f64; 4],
    /// Memory bandwidth in bytes per second (datasheet).
    pub bandwidth: f64,
    /// Where the datasheet numbers come from.
    pub source: &'static str,
    /// GPU, Apple GPU or CPU.
    pub kind: DeviceKind,
    /// Peak FLOP/s per dtype at the clock sustained under load (same order as `peak`).
    pub sustained: [f64; 4],
    /// Streaming multiprocessors (0 where the notion does not apply: CPUs, Apple GPUs, custom devices).
    pub sms: u32,
    /// Whether the device's convolution library splits a GEMM's reduction over SMs when its output has too few
    /// tiles to fill them (cuDNN 7 and later does; cuDNN 6, which DeepBench used on P100 and TITAN Xp, does not).
    pub split_k: bool,
    /// The shortest time of any kernel: launch and library overhead, in seconds.
    pub floor_s: f64,
    /// Scales the achievable bandwidth of the time model (1 except on calibrated devices); the roofline keeps the
    /// datasheet bandwidth.
    pub bandwidth_scale: f64,
    /// Where the time model's numbers (SMs, sustained clock, floor) come from.
    pub model_source: &'static str,
}

const T: f64 = 1e12;
const G: f64 = 1e9;
const US: f64 = 1e-6;

/// The floor of a kernel on a GPU with CUDA ≥ 10 and cuDNN ≥ 7: DeepBench's smallest V100 forward times are
/// 12–13 µs; a launch alone costs ~5 µs.
const FLOOR_CUDA10: f64 = 10.0 * US;

/// The floor of a kernel with CUDA 8 and cuDNN 6, as DeepBench ran its older GPUs: its smallest forward times are
/// 35 µs on P100 and 11–15 µs on TITAN Xp; for the GPUs it measured but we do not check against, we assume 15 µs.
const FLOOR_CUDA8: f64 = 15.0 * US;

/// The datasheet figures of one preset.
struct Sheet {
    key: &'static str,
    name: &'static str,
    peak: [f64; 4],
    bandwidth: f64,
    source: &'static str,
}

/// The time model's figures of one preset.
struct Model {
    kind: DeviceKind,
    /// Sustained clock ÷ boost clock: scales every datasheet peak.
    clock_ratio: f64,
    sms: u32,
    split_k: bool,
    floor_s: f64,
    source: &'static str,
}

thread_local! {
    /// The presets, built once: the app looks a device up by its key on every update (the settings, the link).
    static PRESETS: Vec<Device> = Device::build_presets();
}

impl Device {
    /// Index of a dtype in `peak` and `sustained`.
    fn slot(dtype: Dtype) -> usize {
        match dtype {
            Dtype::Fp32 => 0,
            Dtype::Fp16 => 1,
            Dtype::Bf16 => 2,
            Dtype::Int8 => 3,
        }
    }

    /// Datasheet peak FLOP/s for a dtype (the roofline's roof).
    pub fn peak_for(&self, dtype: Dtype) -> f64 {
        self.peak[Device::slot(dtype)]
    }

    /// Sustained peak FLOP/s for a dtype (what the time model starts from).
    pub fn sustained_for(&self, dtype: Dtype) -> f64 {
        self.sustained[Device::slot(dtype)]
    }

    /// The ridge point: the arithmetic intensity (FLOP/byte) above which a layer is compute-bound.
    pub fn ridge(&self, dtype: Dtype) -> f64 {
        self.peak_for(dtype) / self.bandwidth
    }

    /// A user-defined device with one peak for every dtype. Without an SM count the time model applies no tile or
    /// wave quantisation; the floor is that of a current GPU.
    pub fn custom(peak_flops: f64, bandwidth: f64) -> Device {
        Device {
            key: "custom".into(),
            name: "Custom device".into(),
            peak: [peak_flops; 4],
            bandwidth,
            source: "user-defined",
            kind: DeviceKind::Gpu,
            sustained: [peak_flops; 4],
            sms: 0,
            split_k: true,
            floor_s: FLOOR_CUDA10,
            bandwidth_scale: 1.0,
            model_source: "user-defined; no SM count (no tile or wave quantisation), 10 µs floor",
        }
    }

    fn preset(sheet: Sheet, model: Model) -> Device {
        Device {
            key: sheet.key.into(),
            name: sheet.name.into(),
            peak: sheet.peak,
            bandwidth: sheet.bandwidth,
            source: sheet.source,
            kind: model.kind,
            sustained: sheet.peak.map(|p| p * model.clock_ratio),
            sms: model.sms,
            split_k: model.split_k,
            floor_s: model.floor_s,
            bandwidth_scale: 1.0,
            model_source: model.source,
        }
    }

    /// The built-in presets, the first being the default.
    pub fn presets() -> Vec<Device> {
        PRESETS.with(|p| p.clone())
    }

    /// The preset called `key` (case-insensitive), without copying the others.
    pub fn preset_named(key: &str) -> Option<Device> {
        PRESETS.with(|p| p.iter().find(|d| d.key.eq_ignore_ascii_case(key)).cloned())
    }

    /// The first preset, the default device.
    pub fn default_preset() -> Option<Device> {
        PRESETS.with(|p| p.first().cloned())
    }

    fn build_presets() -> Vec<Device> {
        let gpu = |clock_ratio, sms, split_k, floor_s, source| Model {
            kind: DeviceKind::Gpu,
            clock_ratio,
            sms,
            split_k,
            floor_s,
            source,
        };
        vec![
            // NVIDIA T4 datasheet (2019): FP32 8.1 TFLOPS, mixed FP16 65 TFLOPS, INT8 130 TOPS, 320 GB/s GDDR6.
            // Turing has no bf16: it runs at the fp32 rate.
            Device::preset(
                Sheet {
                    key: "t4",
                    name: "NVIDIA T4",
                    peak: [8.1 * T, 65.0 * T, 8.1 * T, 130.0 * T],
                    bandwidth: 320.0 * G,
                    source: "NVIDIA T4 datasheet",
                },
                // 40 SMs (Turing whitepaper, TU104 as T4). Its 70 W cap holds it below the 1590 MHz boost under
                // load; we assume 1300 MHz (an assumption, not a published figure: calibrate to be sure).
                gpu(
                    1300.0 / 1590.0,
                    40,
                    true,
                    FLOOR_CUDA10,
                    "40 SMs (Turing whitepaper); 1300 MHz under load (assumed, 70 W cap); 10 µs floor",
                ),
            ),
            // NVIDIA A100 datasheet (SXM4 80 GB): FP32 19.5, FP16/BF16 tensor 312, INT8 624 TOPS, 2,039 GB/s.
            Device::preset(
                Sheet {
                    key: "a100",
                    name: "NVIDIA A100 SXM4 80GB",
                    peak: [19.5 * T, 312.0 * T, 312.0 * T, 624.0 * T],
                    bandwidth: 2039.0 * G,
                    source: "NVIDIA A100 datasheet",
                },
                // 108 SMs, boost 1410 MHz (A100 whitepaper); base clock 1275 MHz (TechPowerUp GPU database).
                gpu(
                    1275.0 / 1410.0,
                    108,
                    true,
                    FLOOR_CUDA10,
                    "108 SMs (A100 whitepaper); base clock 1275 MHz (TechPowerUp); 10 µs floor",
                ),
            ),
            // NVIDIA H100 datasheet (SXM5): FP32 67, FP16/BF16 tensor 989.4 dense (1,979 with sparsity),
            // INT8 1,979 TOPS dense, HBM3 3.35 TB/s.
            Device::preset(
                Sheet {
                    key: "h100",
                    name: "NVIDIA H100 SXM5",
                    peak: [67.0 * T, 989.4 * T, 989.4 * T, 1979.0 * T],
                    bandwidth: 3350.0 * G,
                    source: "NVIDIA H100 datasheet",
                },
                // 132 SMs, boost 1980 MHz (H100 whitepaper); base clock 1590 MHz (TechPowerUp GPU database).
                gpu(
                    1590.0 / 1980.0,
                    132,
                    true,
                    FLOOR_CUDA10,
                    "132 SMs (H100 whitepaper); base clock 1590 MHz (TechPowerUp); 10 µs floor",
                ),
            ),
            // NVIDIA Ada Lovelace architecture whitepaper, RTX 4090: FP32 82.6, FP16/BF16 tensor with FP32
            // accumulate 165.2 dense, INT8 tensor 660.6 TOPS dense, 1,008 GB/s GDDR6X.
            Device::preset(
                Sheet {
                    key: "rtx4090",
                    name: "NVIDIA GeForce RTX 4090",
                    peak: [82.6 * T, 165.2 * T, 165.2 * T, 660.6 * T],
                    bandwidth: 1008.0 * G,
                    source: "NVIDIA Ada GPU architecture whitepaper",
                },
                // 128 SMs, base 2235 MHz, boost 2520 MHz (Ada whitepaper).
                gpu(
                    2235.0 / 2520.0,
                    128,
                    true,
                    FLOOR_CUDA10,
                    "128 SMs, base clock 2235 MHz (Ada whitepaper); 10 µs floor",
                ),
            ),
            // NVIDIA Tesla V100 datasheet (SXM2): FP32 15.7, tensor 125 TFLOPS, 900 GB/s HBM2. No bf16 (fp32 rate);
            // int8 through dp4a at 4× the fp32 rate (Volta whitepaper: the instruction set keeps Pascal's dp4a).
            Device::preset(
                Sheet {
                    key: "v100",
                    name: "NVIDIA Tesla V100 SXM2",
                    peak: [15.7 * T, 125.0 * T, 15.7 * T, 62.8 * T],
                    bandwidth: 900.0 * G,
                    source: "NVIDIA Tesla V100 datasheet; Volta whitepaper",
                },
                // 80 SMs, boost 1530 MHz (Volta whitepaper); base clock 1290 MHz (TechPowerUp GPU database).
                // Floor: DeepBench's smallest V100 forward times (CUDA 10.1, cuDNN 7.6) are 12–13 µs.
                gpu(
                    1290.0 / 1530.0,
                    80,
                    true,
                    FLOOR_CUDA10,
                    "80 SMs (Volta whitepaper); base clock 1290 MHz (TechPowerUp); 10 µs floor (DeepBench's \
                     smallest V100 times are 12–13 µs)",
                ),
            ),
            // NVIDIA Tesla P100 datasheet (SXM2): FP32 10.6, FP16 21.2 TFLOPS (no tensor cores), 732 GB/s HBM2.
            // No bf16 and no dp4a on GP100: both at the fp32 rate.
            Device::preset(
                Sheet {
                    key: "p100",
                    name: "NVIDIA Tesla P100 SXM2",
                    peak: [10.6 * T, 21.2 * T, 10.6 * T, 10.6 * T],
                    bandwidth: 732.0 * G,
                    source: "NVIDIA Tesla P100 datasheet",
                },
                // 56 SMs, boost 1480 MHz (Pascal GP100 whitepaper); base clock 1328 MHz (TechPowerUp). Floor:
                // CUDA 8 and cuDNN 6 as DeepBench ran them: its smallest P100 forward times are 35 µs.
                gpu(
                    1328.0 / 1480.0,
                    56,
                    false,
                    20.0 * US,
                    "56 SMs (GP100 whitepaper); base clock 1328 MHz (TechPowerUp); 20 µs floor (CUDA 8, cuDNN 6: \
                     DeepBench's smallest P100 times are 35 µs)",
                ),
            ),
            // NVIDIA TITAN Xp (GP102): 3,840 CUDA cores at 1582 MHz boost = 12.15 TFLOPS fp32, int8 dp4a at 4×
            // (48.6 TOPS), 547.7 GB/s GDDR5X. GP102's native fp16 runs at 1/64 rate, so libraries store fp16 and
            // compute in fp32: the fp32 rate; no bf16.
            Device::preset(
                Sheet {
                    key: "titanxp",
                    name: "NVIDIA TITAN Xp",
                    peak: [12.15 * T, 12.15 * T, 12.15 * T, 48.6 * T],
                    bandwidth: 547.7 * G,
                    source: "NVIDIA TITAN Xp specifications; Pascal GP102 dp4a",
                },
                // 30 SMs; base clock 1405 MHz, boost 1582 MHz (NVIDIA specifications). Floor: CUDA 8, cuDNN 6;
                // DeepBench's smallest TITAN Xp int8 times are 11–15 µs.
                gpu(
                    1405.0 / 1582.0,
                    30,
                    false,
                    13.0 * US,
                    "30 SMs; base clock 1405 MHz (NVIDIA); 13 µs floor (CUDA 8, cuDNN 6: DeepBench's smallest \
                     TITAN Xp times are 11–15 µs)",
                ),
            ),
            // NVIDIA GeForce GTX 1080 Ti (GP102): 3,584 CUDA cores at 1582 MHz boost = 11.34 TFLOPS fp32, dp4a int8
            // at 4×, 484 GB/s GDDR5X; fp16 at the fp32 rate (GP102's native fp16 is 1/64 rate), no bf16.
            Device::preset(
                Sheet {
                    key: "gtx1080ti",
                    name: "NVIDIA GeForce GTX 1080 Ti",
                    peak: [11.34 * T, 11.34 * T, 11.34 * T, 45.36 * T],
                    bandwidth: 484.0 * G,
                    source: "NVIDIA GeForce GTX 1080 Ti specifications; Pascal GP102 dp4a",
                },
                gpu(
                    1480.0 / 1582.0,
                    28,
                    false,
                    FLOOR_CUDA8,
                    "28 SMs, base clock 1480 MHz (NVIDIA); 15 µs floor (CUDA 8, cuDNN 6 era, assumed)",
                ),
            ),
            // NVIDIA TITAN X (Pascal, GP102): 3,584 CUDA cores at 1531 MHz boost = 10.97 TFLOPS fp32, dp4a int8 at
            // 4×, 480 GB/s GDDR5X; fp16 at the fp32 rate, no bf16.
            Device::preset(
                Sheet {
                    key: "titanx_pascal",
                    name: "NVIDIA TITAN X (Pascal)",
                    peak: [10.97 * T, 10.97 * T, 10.97 * T, 43.9 * T],
                    bandwidth: 480.0 * G,
                    source: "NVIDIA TITAN X (Pascal) specifications; Pascal GP102 dp4a",
                },
                gpu(
                    1417.0 / 1531.0,
                    28,
                    false,
                    FLOOR_CUDA8,
                    "28 SMs, base clock 1417 MHz (NVIDIA); 15 µs floor (CUDA 8, cuDNN 6 era, assumed)",
                ),
            ),
            // NVIDIA Tesla M40 (Maxwell GM200): 3,072 CUDA cores at 1114 MHz boost = 6.84 TFLOPS fp32, 288 GB/s
            // GDDR5; no fast fp16, bf16 or int8: all at the fp32 rate.
            Device::preset(
                Sheet {
                    key: "m40",
                    name: "NVIDIA Tesla M40",
                    peak: [6.84 * T; 4],
                    bandwidth: 288.0 * G,
                    source: "NVIDIA Tesla M40 datasheet",
                },
                gpu(
                    948.0 / 1114.0,
                    24,
                    false,
                    FLOOR_CUDA8,
                    "24 SMs, base clock 948 MHz (NVIDIA datasheet); 15 µs floor (CUDA 8, cuDNN 6 era, assumed)",
                ),
            ),
            // NVIDIA GeForce GTX TITAN X (Maxwell GM200): 3,072 CUDA cores at 1075 MHz boost = 6.6 TFLOPS fp32,
            // 336.5 GB/s GDDR5; all dtypes at the fp32 rate.
            Device::preset(
                Sheet {
                    key: "titanx_maxwell",
                    name: "NVIDIA GeForce GTX TITAN X (Maxwell)",
                    peak: [6.6 * T; 4],
                    bandwidth: 336.5 * G,
                    source: "NVIDIA GeForce GTX TITAN X specifications",
                },
                gpu(
                    1000.0 / 1075.0,
                    24,
                    false,
                    FLOOR_CUDA8,
                    "24 SMs, base clock 1000 MHz (NVIDIA); 15 µs floor (CUDA 8, cuDNN 6 era, assumed)",
                ),
            ),
            // Apple M2 Max (38-core GPU) press release, Jan 2023: "up to 13.6 teraflops", 400 GB/s unified memory.
            // The GPU runs fp16 at the fp32 rate; no separate int8 rate is published.
            Device::preset(
                Sheet {
                    key: "m2max",
                    name: "Apple M2 Max GPU (38-core)",
                    peak: [13.6 * T; 4],
                    bandwidth: 400.0 * G,
                    source: "Apple M2 Pro/M2 Max press release",
                },
                // Apple publishes neither SM-like units nor tile sizes nor clocks under load: the model keeps the
                // peak and adds a 10 µs command-buffer floor (an assumption; calibrate to be sure).
                Model {
                    kind: DeviceKind::AppleGpu,
                    clock_ratio: 1.0,
                    sms: 0,
                    split_k: true,
                    floor_s: 10.0 * US,
                    source: "no tile/wave model (Apple publishes no SM count); 10 µs floor (assumed)",
                },
            ),
            // A typical laptop CPU, Intel Core i7-1165G7: 4 cores × 2.8 GHz base × 32 FP32 FLOP/cycle
            // (one 16-lane AVX-512 FMA unit) = 358 GFLOP/s; no native fp16/bf16 arithmetic (fp32 rate);
            // AVX-512 VNNI: 4× int8; LPDDR4x-4266, 68.3 GB/s (Intel ARK).
            Device::preset(
                Sheet {
                    key: "laptop_cpu",
                    name: "Laptop CPU (Intel Core i7-1165G7, 4 cores)",
                    peak: [358.4 * G, 358.4 * G, 358.4 * G, 1433.6 * G],
                    bandwidth: 68.3 * G,
                    source: "Intel ARK i7-1165G7; AVX-512 FMA throughput",
                },
                // The peak is already at the base clock. Floor: PyTorch's per-operator dispatch on a CPU,
                // ~5 µs (an assumption; calibrate to be sure).
                Model {
                    kind: DeviceKind::Cpu,
                    clock_ratio: 1.0,
                    sms: 0,
                    split_k: true,
                    floor_s: 5.0 * US,
                    source: "PyTorch's CPU paths per kind of layer (no tiles or waves); base-clock peak; 5 µs \
                             per-operator floor (assumed)",
                },
            ),
        ]
    }

    /// The device's link and command-line form: its preset key, the `custom:` string that rebuilds it, or a
    /// calibrated device's `cal:` key.
    pub fn link_key(&self) -> String {
        if self.key != "custom" {
            return self.key.clone();
        }
        let mut s = format!("custom:{}:{}", self.peak[0] / T, self.bandwidth / G);
        if self.sms > 0 || (self.floor_s - FLOOR_CUDA10).abs() > 1e-12 {
            s += &format!(":{}:{}", self.sms, self.floor_s / US);
        }
        s
    }

    /// The one parser of a device's link and command-line form: a preset key (case-insensitive),
    /// `custom:<peak TFLOP/s>:<bandwidth GB/s>[:<SMs>:<floor µs>]` (the short form is the original link form), or
    /// a calibrated preset `cal:<preset>:<compute ×>:<bandwidth ×>:<floor µs>`.
    pub fn find(key: &str) -> Option<Device> {
        if let Some(rest) = key.strip_prefix("custom:") {
            return Device::parse_custom(rest);
        }
        if let Some(rest) = key.strip_prefix("cal:") {
            return crate::core::timing::calibrate::parse(rest);
        }
        Device::preset_named(key)
    }

    fn parse_custom(rest: &str) -> Option<Device> {
        let parts: Vec<&str> = rest.split(':').collect();
        let number = |s: &str| s.parse::<f64>().ok().filter(|v| v.is_finite());
        let valid = |v: f64| v > 0.0 && v < 1e9;
        let (peak, bw) = (number(parts.first()?)?, number(parts.get(1)?)?);
        if !(valid(peak) && valid(bw)) {
            return None;
        }
        let mut d = Device::custom(peak * T, bw * G);
        match parts.len() {
            2 => {}
            4 => {
                let sms = parts[2].parse::<u32>().ok().filter(|s| *s <= 100_000)?;
                let floor = number(parts[3]).filter(|f| (0.0..1e6).contains(f))?;
                d.sms = sms;
                d.floor_s = floor * US;
                d.model_source = "user-defined";
            }
            _ => return None,
        }
        Some(d)
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
            assert_eq!(Device::find(&d.link_key()).as_ref(), Some(d));
            assert!(d.bandwidth > 0.0 && d.peak.iter().all(|p| *p > 0.0));
            assert!(d
                .sustained
                .iter()
                .zip(d.peak)
                .all(|(s, p)| *s > 0.0 && *s <= p));
            assert!(d.floor_s > 0.0);
            assert_eq!(d.sms > 0, d.kind == DeviceKind::Gpu, "{}", d.key);
        }
        assert!(presets.len() >= 9);
    }

    #[test]
    fn custom_device_parses_units() {
        let d = Device::find("custom:10:500").expect("valid custom device");
        assert_eq!(d.peak_for(Dtype::Fp16), 10e12);
        assert_eq!(d.bandwidth, 500e9);
        assert_eq!(d.link_key(), "custom:10:500");
        assert!(Device::find("custom:-1:5").is_none());
        assert!(Device::find("custom:nan:5").is_none());
    }

    #[test]
    fn custom_device_with_sms_and_floor_round_trips() {
        let d = Device::find("custom:14:900:80:12").expect("valid custom device");
        assert_eq!(d.sms, 80);
        assert!((d.floor_s - 12e-6).abs() < 1e-15);
        assert_eq!(Device::find(&d.link_key()), Some(d));
        assert!(Device::find("custom:14:900:80").is_none());
        assert!(Device::find("custom:14:900:x:12").is_none());
        assert!(Device::find("custom:14:900:80:-1").is_none());
    }
}
