//! The headline numbers: parameters, MACs, memory, traffic and time for the whole network.

use std::rc::Rc;

use yew::prelude::*;

use crate::core::analysis::Analysis;
use crate::core::report::{bytes, seconds, si, thousands};

/// Properties of [`TotalsBar`].
#[derive(Properties, PartialEq)]
pub struct TotalsBarProps {
    pub analysis: Rc<Analysis>,
}

fn card(id: &str, label: &str, value: String, sub: String) -> Html {
    html! {
        <div class="stat" id={id.to_string()}>
            <div class="stat-label">{ label.to_string() }</div>
            <div class="stat-value">{ value }</div>
            <div class="stat-sub">{ sub }</div>
        </div>
    }
}

/// A row of headline cards; the exact totals are also in `data-*` attributes for tools and tests.
#[function_component(TotalsBar)]
pub fn totals_bar(p: &TotalsBarProps) -> Html {
    let a = &p.analysis;
    let t = &a.totals;
    let o = &a.options;
    let final_stats = a.final_stats();
    let out = final_stats.map_or("—".to_string(), |s| s.output.to_string());
    let rf = final_stats.map_or("—".to_string(), |s| {
        let (h, w) = (s.rf.h.size, s.rf.w.size);
        if h == w {
            format!("{h}")
        } else {
            format!("{h}×{w}")
        }
    });
    html! {
        <section class="totals" aria-label="Totals"
            data-params={t.params.to_string()} data-trainable={t.trainable_params.to_string()}
            data-macs={t.macs.to_string()} data-flops={t.flops.to_string()}
            data-activation-bytes={t.activation_bytes.to_string()} data-time-s={t.time_s.to_string()}
            data-diagnostics={t.diagnostics.to_string()}>
            { card("t-params", "Parameters", si(t.params as f64), format!("{} · trainable {}", thousands(t.params), si(t.trainable_params as f64))) }
            { card("t-macs", "MACs", si(t.macs as f64), format!("{} · FLOPs {}", thousands(t.macs), si(t.flops as f64))) }
            { card("t-act", "Activations", bytes(t.activation_bytes), format!("batch {} · {}", o.batch, o.dtype.name())) }
            { card("t-traffic", "Read-once traffic", bytes(t.read_bytes.saturating_add(t.write_bytes)), format!("no-reuse {}", bytes(t.no_reuse_bytes))) }
            { card("t-time", "Estimated time", seconds(t.time_s), format!("{} · roofline best case {}", o.device.name, seconds(t.roofline_s))) }
            { card("t-train", "Training memory", bytes(t.training.total_bytes), format!("params×4 {}", bytes(t.training.parameter_bytes))) }
            { card("t-out", "Output · RF", out, format!("receptive field {rf}")) }
            if t.diagnostics > 0 {
                { card("t-diag", "Problems", t.diagnostics.to_string(), "rows that could not be computed".into()) }
            }
        </section>
    }
}
