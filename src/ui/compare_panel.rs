//! The comparison with a pinned baseline A: its controls' state, totals A, B, Δ and B/A, and the stage subtotals
//! side by side, above the per-layer table (whose rows then show their difference to their match in A).

use std::rc::Rc;

use yew::prelude::*;

use crate::core::analysis::Analysis;
use crate::core::compare::{Comparison, Figures, Stage};
use crate::core::compare_report::{si_count, signed_change, signed_seconds, times};
use crate::core::report::{bytes, seconds, si, thousands};
use crate::ui::state::{AppDispatcher, BaselineAction, UiAction};

/// The baseline's analysis and the comparison of the edited network with it. Compared by identity: both are
/// derived once per change.
#[derive(Clone)]
pub struct Compared {
    pub base: Rc<Analysis>,
    pub comparison: Rc<Comparison>,
}

impl PartialEq for Compared {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.base, &other.base) && Rc::ptr_eq(&self.comparison, &other.comparison)
    }
}

/// Properties of [`ComparePanel`].
#[derive(Properties, PartialEq)]
pub struct ComparePanelProps {
    pub analysis: Rc<Analysis>,
    pub compared: Compared,
}

fn total_row(name: &str, a: u64, b: u64, f: fn(u64) -> String) -> Html {
    html! {
        <tr>
            <th scope="row">{ name.to_string() }</th>
            <td class="num">{ f(a) }</td><td class="num">{ f(b) }</td>
            <td class="num">{ signed_change(a, b, f) }</td><td class="num">{ times(a as f64, b as f64) }</td>
        </tr>
    }
}

fn stage_cells(s: &Option<Stage>) -> (String, Figures) {
    s.as_ref().map_or_else(
        || ("—".to_string(), Figures::default()),
        |s| (s.label.clone(), s.figures),
    )
}

/// The comparison card.
#[function_component(ComparePanel)]
pub fn compare_panel(p: &ComparePanelProps) -> Html {
    let dispatcher = use_context::<AppDispatcher>();
    let c = &p.compared.comparison;
    let base = &p.compared.base;
    let (fa, fb) = (c.a, c.b);
    let (by_key, by_position, new) = c.counts();
    let send = |action: BaselineAction| {
        let d = dispatcher.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(d) = &d {
                d.dispatch(UiAction::Baseline(action.clone()));
            }
        })
    };
    let setting = |a: &Analysis| {
        format!(
            "{}×{}×{}×{} · {} · {}",
            a.options.batch,
            a.input.c,
            a.input.h,
            a.input.w,
            a.options.dtype.name(),
            a.options.device.name
        )
    };
    html! {
        <section class="card compare-card" id="compare" aria-labelledby="compare-h"
            data-a-macs={fa.macs.to_string()} data-b-macs={fb.macs.to_string()}
            data-matched={(by_key + by_position).to_string()} data-new={new.to_string()}
            data-removed={c.a_only.len().to_string()}>
            <h2 id="compare-h">{ "Compared with the baseline A" }
                <span class="muted small">{ format!(" · A: {} · B (edited): {}", setting(base), setting(&p.analysis)) }</span>
            </h2>
            <div class="compare-actions">
                <button type="button" id="swap-baseline" onclick={send(BaselineAction::Swap)}>{ "Swap A and B" }</button>
                <button type="button" id="unpin-baseline" onclick={send(BaselineAction::Unpin)}>{ "Unpin" }</button>
                <span class="muted small">{ format!("rows of B matched in A: {by_key} by module path, {by_position} by position in their stage, {new} new; {} of A removed", c.a_only.len()) }</span>
            </div>
            <div class="table-wrap">
                <table class="summary compare-totals" aria-label="Totals, A against B">
                    <thead><tr><th></th><th class="num">{ "A" }</th><th class="num">{ "B" }</th><th class="num">{ "Δ" }</th><th class="num">{ "B/A" }</th></tr></thead>
                    <tbody>
                        { total_row("Params", fa.params, fb.params, thousands) }
                        { total_row("MACs", fa.macs, fb.macs, si_count) }
                        { total_row("Activations", fa.activation_bytes, fb.activation_bytes, bytes) }
                        { total_row("Read-once traffic", fa.traffic_bytes, fb.traffic_bytes, bytes) }
                        <tr>
                            <th scope="row">{ "Time (estimate)" }</th>
                            <td class="num">{ seconds(fa.time_s) }</td><td class="num">{ seconds(fb.time_s) }</td>
                            <td class="num">{ signed_seconds(fa.time_s, fb.time_s) }</td>
                            <td class="num">{ times(fa.time_s, fb.time_s) }</td>
                        </tr>
                    </tbody>
                </table>
            </div>
            <div class="table-wrap">
                <table class="summary compare-stages" aria-label="Stage subtotals, A against B">
                    <thead><tr>
                        <th>{ "Stage" }</th><th>{ "A grid" }</th><th>{ "B grid" }</th>
                        <th class="num">{ "A MACs" }</th><th class="num">{ "B MACs" }</th><th class="num">{ "B/A" }</th>
                        <th class="num">{ "A params" }</th><th class="num">{ "B params" }</th>
                        <th class="num">{ "A time" }</th><th class="num">{ "B time" }</th>
                    </tr></thead>
                    <tbody>
                        { for c.stages.iter().enumerate().map(|(k, s)| {
                            let ((la, a), (lb, b)) = (stage_cells(&s.a), stage_cells(&s.b));
                            html! {
                                <tr class="stage-row">
                                    <td>{ k }</td><td>{ la }</td><td>{ lb }</td>
                                    <td class="num">{ si(a.macs as f64) }</td><td class="num">{ si(b.macs as f64) }</td>
                                    <td class="num">{ times(a.macs as f64, b.macs as f64) }</td>
                                    <td class="num">{ si(a.params as f64) }</td><td class="num">{ si(b.params as f64) }</td>
                                    <td class="num">{ seconds(a.time_s) }</td><td class="num">{ seconds(b.time_s) }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </div>
            { removed(base, c) }
        </section>
    }
}

/// The rows of A that no row of B stands for, named (never silently dropped).
fn removed(base: &Analysis, c: &Comparison) -> Html {
    if c.a_only.is_empty() {
        return html! {};
    }
    let names: Vec<String> = c
        .a_only
        .iter()
        .take(40)
        .filter_map(|&j| base.rows.get(j).map(|r| r.key()))
        .collect();
    let more = c.a_only.len().saturating_sub(names.len());
    html! {
        <p class="muted small compare-removed">
            { format!("In A only: {}{}", names.join(", "), if more > 0 { format!(" and {more} more") } else { String::new() }) }
        </p>
    }
}

/// The `vs A` cell of a table row: its MACs' difference to its match in A, or `new`.
pub fn vs_cell(b_macs: u64, a: Option<(u64, String)>) -> Html {
    match a {
        Some((a_macs, key)) => {
            let text = if a_macs == b_macs {
                "=".to_string()
            } else {
                signed_change(a_macs, b_macs, si_count)
            };
            html! { <td class="num vs" title={format!("A: {} MACs ({key})", thousands(a_macs))}>{ text }</td> }
        }
        None => {
            html! { <td class="num vs new" title="no layer of A matches this one">{ "new" }</td> }
        }
    }
}
