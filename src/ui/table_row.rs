//! One row of the per-layer table. Its props hold only the row's own numbers, so when an edit changes a few
//! layers only those rows render again. Its share of the total MACs (the bar) is rounded to a tenth of a percent, so
//! a change of the total alone leaves most rows as they were: re-rendering and restyling every row for an invisible
//! sub-pixel change of its bar would cost more than the rest of the update. Every row is one line of the same
//! height: the table renders only the rows in view and computes the others' positions.

use yew::prelude::*;

use crate::core::analysis::{Bound, Row};
use crate::core::report::{bytes, seconds, si, thousands};

/// Properties of [`TableRow`].
#[derive(Properties, PartialEq, Clone)]
pub struct TableRowProps {
    pub row: Row,
    pub batch: u64,
    /// This row's share of the network's MACs, in tenths of a percent.
    pub share: u16,
    pub selected: bool,
    pub on_select: Callback<String>,
    /// The dtype and device the times are for: the time's tooltip recomputes its terms.
    pub timing: std::rc::Rc<(crate::core::shape::Dtype, crate::core::device::Device)>,
    /// When comparing: the MACs and key of this row's match in the baseline A (`None`: a new layer).
    #[prop_or_default]
    pub vs: Option<Option<(u64, String)>>,
    /// While a measurement is loaded: this row's measured time, if it has one.
    #[prop_or_default]
    pub measured: Option<Option<f64>>,
}

/// `part` as a share of `total` in tenths of a percent (0 to 1000): the resolution of the MACs bars.
pub fn permille(part: u64, total: u64) -> u16 {
    if total == 0 {
        return 0;
    }
    (1000.0 * part as f64 / total as f64)
        .round()
        .clamp(0.0, 1000.0) as u16
}

/// Dimensions of a receptive field: `212`, or `35×51` when not square.
fn rf(h: f64, w: f64) -> String {
    if h == w {
        format!("{h}")
    } else {
        format!("{h}×{w}")
    }
}

/// A table row.
#[function_component(TableRow)]
pub fn table_row(p: &TableRowProps) -> Html {
    let r = &p.row;
    let select = {
        let (cb, key) = (p.on_select.clone(), r.key());
        move || cb.emit(key.clone())
    };
    let onclick = {
        let s = select.clone();
        Callback::from(move |_: MouseEvent| s())
    };
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            select();
        }
    });
    let class = if r.functional {
        format!("{} (fn)", r.class)
    } else {
        r.class.to_string()
    };
    let mut classes = classes!("row");
    if p.selected {
        classes.push("selected");
    }
    let head = html! { <>
        <td class="idx">{ r.index }</td>
        <td class="path" style={format!("--d:{}", r.depth)} title={r.path.clone()}>{ r.path.clone() }</td>
        <td class="cls">{ class }</td>
    </> };
    match (&r.stats, &r.diagnostic) {
        (Some(s), _) => {
            let bound = match s.bound {
                Bound::None => html! { <span class="muted">{ "—" }</span> },
                b => {
                    html! { <span class={classes!("bound", b.key())} title={b.describe()}>{ b.key() }</span> }
                }
            };
            // "How is this time computed": the model's terms, and the roofline's best case beside them.
            let how = format!(
                "{}\nroofline (best case): {}",
                crate::core::timing::row_terms(s, p.timing.0, &p.timing.1).explain(),
                seconds(s.roofline_s)
            );
            html! {
                <tr class={classes} role="row" tabindex="0" aria-selected={p.selected.to_string()} {onclick} {onkeydown}
                    data-path={r.path.clone()} data-index={r.index.to_string()} aria-rowindex={(r.index + 2).to_string()}>
                    { head }
                    <td class="shape">{ s.output.display_with_batch(p.batch) }</td>
                    <td class="num">{ thousands(s.params) }</td>
                    // The share bar is the cell's background (static/style.css), sized by --s.
                    <td class="num macs" style={format!("--s:{}", p.share)} title={thousands(s.macs)}>
                        { if s.macs == 0 { "0".to_string() } else { si(s.macs as f64) } }
                    </td>
                    <td class="num">{ bytes(s.activation_bytes) }</td>
                    <td class="num">{ bytes(s.traffic_bytes()) }</td>
                    <td class="num">{ format!("{:.1}", s.intensity) }</td>
                    if s.rf.global {
                        <td class="num" title={crate::core::report::GLOBAL_NOTE}>{ format!("{}+g", rf(s.rf.h.size, s.rf.w.size)) }</td>
                    } else {
                        <td class="num">{ rf(s.rf.h.size, s.rf.w.size) }</td>
                    }
                    <td class="num" title={how}>{ seconds(s.time_s) }</td>
                    <td>{ bound }</td>
                    if let Some(vs) = &p.vs {
                        { crate::ui::compare_panel::vs_cell(s.macs, vs.clone()) }
                    }
                    if let Some(m) = p.measured {
                        { crate::ui::measured_panel::cells(s.time_s, m) }
                    }
                </tr>
            }
        }
        (None, diag) => {
            let (msg, cause) = diag
                .as_ref()
                .map_or((String::new(), false), |d| (d.to_string(), d.is_cause()));
            classes.push(if cause { "bad" } else { "skipped" });
            html! {
                <tr class={classes} role="row" tabindex="0" aria-selected={p.selected.to_string()} {onclick} {onkeydown}
                    data-path={r.path.clone()} data-index={r.index.to_string()} aria-rowindex={(r.index + 2).to_string()}>
                    { head }
                    // One line like every row (the table relies on a fixed row height); the whole message is in
                    // the tooltip and in the editor.
                    <td class="diag" colspan={(9 + usize::from(p.vs.is_some()) + 2 * usize::from(p.measured.is_some())).to_string()} title={msg.clone()}>{ if cause { "⚠ " } else { "" } }{ msg }</td>
                </tr>
            }
        }
    }
}
