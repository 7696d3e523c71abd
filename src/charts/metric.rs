//! What a bar measures: MACs, FLOPs, estimated time, read-once traffic, parameters or activation size.

use crate::core::analysis::Stats;

/// The quantity the compute chart (and the trade-off chart's marker size) shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Metric {
    /// Multiply-accumulates as counted under the analysis' `Counting`.
    #[default]
    Macs,
    /// FLOPs = 2 × counted MACs.
    Flops,
    /// Estimated time on the chosen device (the time model).
    Time,
    /// Read-once memory traffic: input + weights + output.
    Traffic,
    /// PyTorch parameters.
    Params,
    /// Output activation size.
    Activations,
    /// Measured time of a loaded measurement (not a figure of the analysis, so not in [`Metric::ALL`]: the compute
    /// chart offers it while a measurement is loaded).
    Measured,
}

impl Metric {
    /// All metrics, in menu order.
    pub const ALL: [Metric; 6] = [
        Metric::Macs,
        Metric::Flops,
        Metric::Time,
        Metric::Traffic,
        Metric::Params,
        Metric::Activations,
    ];

    /// Stable name for the command line and links.
    pub fn key(self) -> &'static str {
        match self {
            Metric::Macs => "macs",
            Metric::Flops => "flops",
            Metric::Time => "time",
            Metric::Traffic => "traffic",
            Metric::Params => "params",
            Metric::Activations => "activations",
            Metric::Measured => "measured",
        }
    }

    /// Parses the compute chart's metric: a [`Metric::key`] or `measured`.
    pub fn from_compute_key(s: &str) -> Option<Metric> {
        Metric::from_key(s).or_else(|| {
            s.eq_ignore_ascii_case("measured")
                .then_some(Metric::Measured)
        })
    }

    /// Parses a [`Metric::key`] (case-insensitive).
    pub fn from_key(s: &str) -> Option<Metric> {
        Metric::ALL
            .into_iter()
            .find(|m| m.key().eq_ignore_ascii_case(s))
    }

    /// Human name, for axis descriptions and menus.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Macs => "MACs",
            Metric::Flops => "FLOPs",
            Metric::Time => "estimated time",
            Metric::Traffic => "read-once memory traffic",
            Metric::Params => "parameters",
            Metric::Activations => "activation size",
            Metric::Measured => "measured time",
        }
    }

    /// The unit its numbers are in.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::Macs => "MACs",
            Metric::Flops => "FLOPs",
            Metric::Time | Metric::Measured => "s",
            Metric::Traffic | Metric::Activations => "B",
            Metric::Params => "params",
        }
    }

    /// The value of one computed row.
    pub fn value(self, s: &Stats) -> f64 {
        match self {
            Metric::Macs => s.macs as f64,
            Metric::Flops => s.flops as f64,
            Metric::Time => s.time_s,
            Metric::Traffic => s.traffic_bytes() as f64,
            Metric::Params => s.params as f64,
            Metric::Activations => s.activation_bytes as f64,
            // Measured times are not in the counts: the chart reads them from the measurement.
            Metric::Measured => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for m in Metric::ALL {
            assert_eq!(Metric::from_key(m.key()), Some(m));
        }
        assert_eq!(Metric::from_key("MACS"), Some(Metric::Macs));
        assert_eq!(Metric::from_key("gflops"), None);
    }
}
