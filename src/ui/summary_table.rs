//! The per-layer table (torchinfo / learn.summary style), its totals row and the per-stage subtotals.

use std::rc::Rc;

use yew::prelude::*;

use crate::core::action::path_contains;
use crate::core::analysis::Analysis;
use crate::core::report::{bytes, seconds, si, thousands};
use crate::ui::stage_row::StageTable;
use crate::ui::state::{AppHandle, UiAction};
use crate::ui::table_row::TableRow;

/// Properties of [`SummaryTable`].
#[derive(Properties, PartialEq)]
pub struct SummaryTableProps {
    pub analysis: Rc<Analysis>,
    pub selected: Option<String>,
}

/// Scrolls `container` so that the first element matching `selector` inside it is visible, without moving the
/// page; nothing happens when the container does not scroll (narrow screens).
pub fn reveal(container: &str, selector: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(c) = doc.get_element_by_id(container) else {
        return;
    };
    if c.scroll_height() <= c.client_height() {
        return;
    }
    let Some(el) = c.query_selector(selector).ok().flatten() else {
        return;
    };
    let (cr, er) = (c.get_bounding_client_rect(), el.get_bounding_client_rect());
    if er.top() < cr.top() + 40.0 || er.bottom() > cr.bottom() {
        let target = c.scroll_top() as f64 + er.top() - cr.top() - cr.height() / 3.0;
        c.set_scroll_top(target.max(0.0) as i32);
    }
}

/// The layer table.
#[function_component(SummaryTable)]
pub fn summary_table(p: &SummaryTableProps) -> Html {
    let app = use_context::<AppHandle>();
    {
        let sel = p.selected.clone();
        use_effect_with(sel, |sel| {
            if sel.is_some() {
                reveal("results", "tr.row.selected");
            }
        });
    }
    // A stable callback: rows whose numbers did not change then skip rendering.
    let dispatcher = app.as_ref().map(|a| a.dispatcher());
    let on_select = use_callback(dispatcher, |path: String, d| {
        if let Some(d) = d {
            d.dispatch(UiAction::Select(Some(path)));
        }
    });
    let a = &p.analysis;
    let t = &a.totals;
    let batch = a.options.batch;
    let sel = p.selected.as_deref();
    html! {
        <section class="card table-card" aria-labelledby="table-h">
            <h2 id="table-h">{ "Per layer" }
                <span class="muted small">{ format!(" · {} layer calls, batch {}, {}, {}", a.rows.len(), batch,
                    a.options.dtype.name(), a.options.device.name) }</span>
            </h2>
            if let Some(e) = &a.input_error {
                <div class="notice error" role="alert">{ format!("Input: {e}") }</div>
            }
            if a.truncated {
                <div class="notice error" role="alert">{ "The network has too many layer calls; only the first ones are listed." }</div>
            }
            <div class="table-wrap" style={format!("--total:{}", t.macs.max(1))}>
                <table class="summary" id="summary">
                    <thead><tr>
                        <th>{ "#" }</th><th>{ "Layer" }</th><th>{ "Type" }</th><th>{ "Output shape" }</th>
                        <th class="num">{ "Params" }</th><th class="num">{ "MACs" }</th>
                        <th class="num" title="output activations">{ "Activations" }</th>
                        <th class="num" title="input + weights + output, each read or written once">{ "Read-once" }</th>
                        <th class="num" title="arithmetic intensity: FLOPs per read-once byte">{ "FLOP/B" }</th>
                        <th class="num" title="receptive field, input pixels">{ "RF" }</th>
                        <th class="num" title="roofline estimate">{ "Time" }</th><th>{ "Bound" }</th>
                    </tr></thead>
                    <tbody>
                        { for a.rows.iter().map(|r| {
                            let selected = sel.is_some_and(|s| path_contains(s, &r.path));
                            html! {
                                <TableRow key={r.index} row={r.clone()} {batch} {selected} on_select={on_select.clone()} />
                            }
                        }) }
                    </tbody>
                    <tfoot><tr class="total-row">
                        <td></td><td>{ "Total" }</td><td></td><td></td>
                        <td class="num">{ thousands(t.params) }</td>
                        <td class="num" title={thousands(t.macs)}>{ si(t.macs as f64) }</td>
                        <td class="num">{ bytes(t.activation_bytes) }</td>
                        <td class="num">{ bytes(t.read_bytes.saturating_add(t.write_bytes)) }</td>
                        <td></td><td></td>
                        <td class="num">{ seconds(t.time_s) }</td><td></td>
                    </tr></tfoot>
                </table>
            </div>
            <h3>{ "Per stage" }</h3>
            <StageTable analysis={p.analysis.clone()} />
        </section>
    }
}
