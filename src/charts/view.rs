//! The charts' switches as a link carries them: which metric and grouping the compute chart shows, whether its
//! cumulative line, the receptive field's log scale and the trade-off's what-if are on, and what sizes the
//! trade-off's points. A link pasted in a forum post reopens the charts as their author saw them.
//!
//! Each switch is a `key=value` pair of the fragment, written only when it differs from the default, so links of
//! the default view are unchanged. A value that does not parse keeps the default and is reported.

use crate::charts::{Grouping, Metric};
use crate::core::fragment::Fields;

/// The charts' switches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChartView {
    /// The compute chart's metric (`metric=`).
    pub metric: Metric,
    /// The compute chart's bars: per layer, block or stage (`per=`).
    pub grouping: Grouping,
    /// The compute chart's cumulative-share line (`cumulative=0` turns it off).
    pub cumulative: bool,
    /// The receptive-field chart's log scale (`rflog=1`).
    pub rf_log: bool,
    /// What sizes the trade-off chart's points (`size=`).
    pub trade_metric: Metric,
    /// The trade-off chart's what-if per stage (`whatif=0` turns it off).
    pub whatif: bool,
}

impl Default for ChartView {
    fn default() -> ChartView {
        ChartView {
            metric: Metric::Macs,
            grouping: Grouping::Layer,
            cumulative: true,
            rf_log: false,
            trade_metric: Metric::Macs,
            whatif: true,
        }
    }
}

fn flag(on: bool) -> &'static str {
    if on {
        "1"
    } else {
        "0"
    }
}

fn parse_flag(value: &str) -> Option<bool> {
    match value {
        "1" | "true" | "on" => Some(true),
        "0" | "false" | "off" => Some(false),
        _ => None,
    }
}

impl ChartView {
    /// The fragment pairs (`&key=value`…) of the switches that differ from the default, in a fixed order.
    pub fn encode(&self) -> String {
        let d = ChartView::default();
        let mut out = String::new();
        let mut pair = |key: &str, value: &str| {
            out.push('&');
            out.push_str(key);
            out.push('=');
            out.push_str(value);
        };
        if self.metric != d.metric {
            pair("metric", self.metric.key());
        }
        if self.grouping != d.grouping {
            pair("per", self.grouping.key());
        }
        if self.cumulative != d.cumulative {
            pair("cumulative", flag(self.cumulative));
        }
        if self.rf_log != d.rf_log {
            pair("rflog", flag(self.rf_log));
        }
        if self.trade_metric != d.trade_metric {
            pair("size", self.trade_metric.key());
        }
        if self.whatif != d.whatif {
            pair("whatif", flag(self.whatif));
        }
        out
    }

    /// Reads the switches from a fragment (without `#`; other keys are ignored; `%XX` escapes are undone by the
    /// core's fragment codec). Values that do not parse keep the default and are described in the returned
    /// warnings.
    pub fn decode(fragment: &str) -> (ChartView, Vec<String>) {
        ChartView::from_fields(&Fields::parse_any_length(fragment))
    }

    /// [`ChartView::decode`] for a link already read: the switches are among the keys the core leaves to others.
    pub fn from_fields(fields: &Fields) -> (ChartView, Vec<String>) {
        let mut view = ChartView::default();
        let mut warnings = Vec::new();
        for (key, value) in &fields.other {
            let value = value.as_str();
            let ok = match key.as_str() {
                "metric" => Metric::from_compute_key(value).map(|m| view.metric = m),
                "per" => Grouping::from_key(value).map(|g| view.grouping = g),
                "cumulative" => parse_flag(value).map(|on| view.cumulative = on),
                "rflog" => parse_flag(value).map(|on| view.rf_log = on),
                "size" => Metric::from_key(value).map(|m| view.trade_metric = m),
                "whatif" => parse_flag(value).map(|on| view.whatif = on),
                _ => Some(()),
            };
            if ok.is_none() {
                // Shown to the user: keep a mangled value short and printable.
                let shown: String = value.chars().filter(|c| !c.is_control()).take(24).collect();
                warnings.push(format!("chart setting {key}=`{shown}` ignored"));
            }
        }
        (view, warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_view_writes_nothing() {
        assert_eq!(ChartView::default().encode(), "");
        assert_eq!(
            ChartView::decode("arch=x&sel=conv1"),
            (ChartView::default(), vec![])
        );
    }

    #[test]
    fn every_switch_round_trips() {
        for metric in Metric::ALL {
            for grouping in [Grouping::Layer, Grouping::BLOCK, Grouping::Stage] {
                for bits in 0..8u8 {
                    let v = ChartView {
                        metric,
                        grouping,
                        cumulative: bits & 1 != 0,
                        rf_log: bits & 2 != 0,
                        trade_metric: Metric::ALL[(bits as usize) % Metric::ALL.len()],
                        whatif: bits & 4 != 0,
                    };
                    let text = format!("arch=input(3,8,8)&sel=a{}", v.encode());
                    assert_eq!(ChartView::decode(&text), (v, vec![]), "{text}");
                }
            }
        }
    }

    #[test]
    fn a_bad_value_keeps_the_default_and_says_so() {
        let (v, w) = ChartView::decode("metric=watts&per=block&rflog=maybe");
        assert_eq!(v.metric, Metric::Macs);
        assert_eq!(v.grouping, Grouping::BLOCK);
        assert!(!v.rf_log);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("metric=`watts`"), "{w:?}");
    }

    #[test]
    fn escapes_are_undone() {
        let (v, w) = ChartView::decode("per=%73tage&metric=%3Cb%3E");
        assert_eq!(v.grouping, Grouping::Stage);
        assert!(w[0].contains("`<b>`"), "{w:?}");
    }
}
