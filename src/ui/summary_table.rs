//! The per-layer table (torchinfo / learn.summary style), its totals row and the per-stage subtotals.
//!
//! The table is virtualised: every row has the same height ([`ROW_HEIGHT`]), so only the rows in and near the
//! scrolled view are in the DOM, between two spacer rows that keep the scroll height of the whole table. A slider
//! step then costs the browser the layout and paint of a few dozen rows instead of hundreds (resnet152 has 515).
//! Everything that needs all rows reads the analysis, not the DOM: the totals, the stage subtotals, the Markdown
//! copy. Printing renders every row.

use std::fmt::Write as _;
use std::ops::Range;
use std::rc::Rc;

use gloo::events::EventListener;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::core::analysis::{Analysis, Row};
use crate::core::report::{bytes, seconds, si, thousands};
use crate::core::selection::Selection;
use crate::ui::chart_spec::Shared;
use crate::ui::compare_panel::Compared;
use crate::ui::measured_panel::{self, MeasuredView};
use crate::ui::stage_row::StageTable;
use crate::ui::state::{AppHandle, UiAction};
use crate::ui::table_row::{permille, TableRow};

/// The height of every body row in CSS pixels; static/style.css sets the same (`--row-h`).
pub const ROW_HEIGHT: f64 = 24.0;
/// Rows rendered beyond each edge of the view, so that a scroll or a Tab press finds its row already there.
///
/// Every rendered row costs its share of a slider step (its numbers change, so it is diffed, laid out and
/// painted again): 6 rows each way and a step of 4 rendered ~40 rows around a 24-row view; 3 and 2 render ~32.
/// With 2 and 2 (~30 rows) a slider step took about a quarter less in alternating runs of `node e2e/bench.mjs`
/// (update p50 and CPU per step, resnet50 and resnet152); 3 keeps a little more margin for scrolling. A fast
/// fling may show the rows beyond the margin a frame late.
const OVERSCAN: usize = 3;
/// The window moves in steps of this many rows, so scrolling re-renders the table only every few rows.
const STEP: usize = 2;
/// The table's scroll box is at most this share of the window's height (static/style.css: 70vh, 60vh on phones).
const MAX_VIEW_SHARE: f64 = 0.7;

/// The rows to render: the view starts at row `first_row` (rounded down to a [`STEP`]) and holds about
/// `view_rows` rows.
pub fn row_window(rows: usize, first_row: usize, view_rows: usize) -> Range<usize> {
    let first = first_row / STEP * STEP;
    let start = first.saturating_sub(OVERSCAN).min(rows);
    let end = first.saturating_add(STEP + view_rows + OVERSCAN).min(rows);
    start..end
}

/// How many rows fit in the table's scroll box at most.
fn view_rows() -> usize {
    let height = web_sys::window()
        .and_then(|w| w.inner_height().ok())
        .and_then(|h| h.as_f64())
        .unwrap_or(800.0);
    (height * MAX_VIEW_SHARE / ROW_HEIGHT).ceil().max(1.0) as usize
}

/// Properties of [`SummaryTable`].
#[derive(Properties, PartialEq)]
pub struct SummaryTableProps {
    pub analysis: Rc<Analysis>,
    pub selected: Option<String>,
    /// The comparison with a pinned baseline: a `vs A` column then shows each row's difference to its match.
    pub compared: Option<Compared>,
    /// A loaded measurement: the measured and measured ÷ estimated columns.
    #[prop_or_default]
    pub measured: Option<Shared<MeasuredView>>,
}

fn element(id: &str) -> Option<web_sys::Element> {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
}

/// Scrolls `container` so that the first element matching `selector` inside it is visible, without moving the
/// page; nothing happens when the container does not scroll (narrow screens).
pub fn reveal(container: &str, selector: &str) {
    let Some(c) = element(container) else {
        return;
    };
    if let Some(el) = c.query_selector(selector).ok().flatten() {
        let r = el.get_bounding_client_rect();
        reveal_span(&c, r.top(), r.bottom());
    }
}

/// Scrolls `c` so that the span from `top` to `bottom` (viewport coordinates) is visible, if it is not.
fn reveal_span(c: &web_sys::Element, top: f64, bottom: f64) {
    if c.scroll_height() <= c.client_height() {
        return;
    }
    let cr = c.get_bounding_client_rect();
    if top < cr.top() + 40.0 || bottom > cr.bottom() {
        let target = c.scroll_top() as f64 + top - cr.top() - cr.height() / 3.0;
        c.set_scroll_top(target.max(0.0) as i32);
    }
}

/// Scrolls the table's box to row `index` if it is out of view (under the sticky header or footer counts as out),
/// then the results panel to the table. Works whether or not the row is rendered: rows have a fixed height.
fn scroll_to_row(wrap: &web_sys::Element, index: usize) {
    let (head, foot) = head_and_foot(wrap);
    let view = (wrap.client_height() as f64 - head - foot).max(ROW_HEIGHT);
    let y = index as f64 * ROW_HEIGHT;
    let top = wrap.scroll_top() as f64;
    if y < top || y + ROW_HEIGHT > top + view {
        wrap.set_scroll_top((y - view / 3.0).max(0.0) as i32);
    }
    if let Some(results) = element("results") {
        let row_top = wrap.get_bounding_client_rect().top() + head + y - wrap.scroll_top() as f64;
        reveal_span(&results, row_top, row_top + ROW_HEIGHT);
    }
}

/// The index of the row an event happened in.
fn event_row(e: &KeyboardEvent) -> Option<usize> {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|t| t.closest("tr.row").ok().flatten())
        .and_then(|row| row.get_attribute("data-index"))
        .and_then(|i| i.parse::<usize>().ok())
}

/// Where a key moves the focus from row `from` of `rows`, with `page` rows in view: arrows one row, Page Up/Down
/// a view, Home/End the first and last row.
pub fn key_target(key: &str, from: usize, rows: usize, page: usize) -> Option<usize> {
    let last = rows.checked_sub(1)?;
    let page = page.max(1);
    let to = match key {
        "ArrowDown" => from.saturating_add(1),
        "ArrowUp" => from.checked_sub(1)?,
        "PageDown" => from.saturating_add(page),
        "PageUp" => from.saturating_sub(page),
        "Home" => 0,
        "End" => last,
        _ => return None,
    };
    Some(to.min(last))
}

/// The heights of the table's sticky header and footer, which cover rows scrolled under them.
fn head_and_foot(wrap: &web_sys::Element) -> (f64, f64) {
    let part = |sel: &str| {
        wrap.query_selector(sel)
            .ok()
            .flatten()
            .map_or(0.0, |e| e.get_bounding_client_rect().height())
    };
    (part("thead"), part("tfoot"))
}

/// How many whole rows the table's box shows between its sticky header and footer.
fn page_rows(wrap: &web_sys::Element) -> usize {
    let (head, foot) = head_and_foot(wrap);
    let view = wrap.client_height() as f64 - head - foot;
    (view / ROW_HEIGHT).floor().max(1.0) as usize
}

/// The index of the row that has the keyboard focus, if it is one of the table's.
fn focused_row(wrap: &NodeRef) -> Option<usize> {
    let wrap = wrap.cast::<web_sys::Element>()?;
    let active = web_sys::window()?.document()?.active_element()?;
    if !active.matches("tr.row").unwrap_or(false) || !wrap.contains(Some(&active)) {
        return None;
    }
    active.get_attribute("data-index")?.parse().ok()
}

/// Gives the focus to row `index` if it is rendered (a far key press, or after a render: when the window moves,
/// Yew may move rows that stay rendered to their new place in the DOM, and a moved element loses the focus).
/// Returns whether row `index` has the focus.
fn keep_focus(wrap: &NodeRef, index: usize) -> bool {
    if focused_row(wrap) == Some(index) {
        return true;
    }
    let row = wrap
        .cast::<web_sys::Element>()
        .and_then(|w| {
            w.query_selector(&format!("tr.row[data-index=\"{index}\"]"))
                .ok()
                .flatten()
        })
        .and_then(|r| r.dyn_into::<web_sys::HtmlElement>().ok());
    row.is_some_and(|r| r.focus().is_ok())
}

/// Column widths in `ch` of the table font, so that they do not depend on which rows are rendered.
fn column_widths(a: &Analysis) -> [f64; 12] {
    let longest = |f: &dyn Fn(&Row) -> usize| a.rows.iter().map(f).max().unwrap_or(0);
    let path = longest(&|r| r.path.chars().count() + r.depth).max(5);
    let class = longest(&|r| r.class.len() + if r.functional { 5 } else { 0 }).max(4);
    let shape = longest(&|r| {
        r.stats
            .map_or(0, |s| s.output.display_len_with_batch(a.options.batch))
    })
    .max(12);
    let index = a.rows.len().max(10).to_string().len();
    // One `ch` is the width of a digit of the table's font. Paths and shapes are in a slightly smaller monospaced
    // font, class names are mostly letters, narrower than digits.
    [
        index as f64,
        path as f64 * 0.92,
        class as f64 * 0.9,
        shape as f64 * 0.92,
        11.0, // params: 23,508,032
        9.0,  // MACs, with the bar
        11.0, // "Activations"
        10.0, // read-once: 784.00 KiB
        6.0,  // FLOP/B
        9.0,  // RF: 1000×1000
        9.0,  // time: 542.67 µs
        8.0,  // bound
    ]
}

/// The table's style: its minimum width and each column's width (`--w1`, `--w2`, …, in the table's font) and its
/// share of spare room (`--c1`, …); static/style.css sizes the cells from them. `vs` adds the comparison's column,
/// `measured` the measured time and measured ÷ estimated.
///
/// The rows are flex rows rather than table rows, each of fixed height and containing its layout: a number that
/// changes then lays out its own row, where a table laid out all of its rows again on every slider step. Each
/// column is at least its width and takes a share of spare room in proportion to it, as the fixed table did.
fn columns(a: &Analysis, vs: bool, measured: bool) -> String {
    // 17px is the cell padding and border.
    let mut widths = column_widths(a).to_vec();
    if vs {
        widths.push(9.0); // −292.4 M
    }
    if measured {
        widths.extend([9.0, 8.5]); // 542.67 µs, "Meas ÷ est"
    }
    let total: f64 = widths.iter().sum();
    let pad = 17 * widths.len();
    let mut style = format!("width:max(100%, calc({total:.1}ch + {pad}px))");
    for (i, w) in widths.iter().enumerate() {
        let _ = write!(
            style,
            ";--c{k}:{w:.1};--w{k}:calc({w:.1}ch + 17px)",
            k = i + 1
        );
    }
    // A diagnostic spans the columns after the type: their widths and shares summed, so the cells before it keep
    // the widths they have in the other rows.
    let rest = &widths[DIAGNOSTIC_FROM..];
    let sum: f64 = rest.iter().sum();
    let _ = write!(
        style,
        ";--cd:{sum:.1};--wd:calc({sum:.1}ch + {}px)",
        17 * rest.len()
    );
    style
}

/// The column a row's diagnostic starts in (after the index, the path and the type).
const DIAGNOSTIC_FROM: usize = 3;

/// A spacer row standing in for `rows` rows that are not rendered, across `columns` columns.
fn spacer(rows: usize, columns: usize) -> Html {
    html! {
        if rows > 0 {
            <tr class="spacer" role="none" aria-hidden="true">
                <td colspan={columns.to_string()} style={format!("height:{}px", rows as f64 * ROW_HEIGHT)}></td>
            </tr>
        }
    }
}

/// The layer table.
#[function_component(SummaryTable)]
pub fn summary_table(p: &SummaryTableProps) -> Html {
    let app = use_context::<AppHandle>();
    let wrap = use_node_ref();
    // The first row in view, from the scroll position; rounded to a STEP so equal windows do not re-render.
    let first_row = use_state_eq(|| 0usize);
    // While printing, every row is rendered.
    let printing = use_state_eq(|| false);
    {
        let printing = printing.clone();
        use_effect_with((), move |_| {
            let window = web_sys::window();
            let listeners = window.map(|w| {
                let (on, off) = (printing.clone(), printing);
                (
                    EventListener::new(&w, "beforeprint", move |_| on.set(true)),
                    EventListener::new(&w, "afterprint", move |_| off.set(false)),
                )
            });
            move || drop(listeners)
        });
    }
    {
        // A selection made anywhere (the editor, a link) scrolls its first row into view, rendered or not.
        let (wrap, analysis, first_row) = (wrap.clone(), p.analysis.clone(), first_row.clone());
        use_effect_with(p.selected.clone(), move |sel| {
            let index = sel
                .as_deref()
                .and_then(|s| Selection::resolve(s, &analysis))
                .and_then(|s| s.first_row(&analysis));
            if let (Some(i), Some(w)) = (index, wrap.cast::<web_sys::Element>()) {
                scroll_to_row(&w, i);
                first_row.set(w.scroll_top().max(0) as usize / ROW_HEIGHT as usize / STEP * STEP);
            }
        });
    }
    // A row a key asked for that was not rendered yet (Page Down, End…): focused once it is.
    let wanted = use_mut_ref(|| None::<usize>);
    {
        let (wrap, focused, wanted) = (wrap.clone(), focused_row(&wrap), wanted.clone());
        use_effect(move || {
            // One try after the render the key caused: a row that still is not there must not take the focus
            // from wherever it has gone since.
            let target = wanted.borrow_mut().take();
            match target {
                Some(i) => {
                    keep_focus(&wrap, i);
                }
                None => {
                    if let Some(i) = focused {
                        keep_focus(&wrap, i);
                    }
                }
            }
        });
    }
    let onscroll = {
        let (wrap, first_row) = (wrap.clone(), first_row.clone());
        Callback::from(move |_: Event| {
            if let Some(w) = wrap.cast::<web_sys::Element>() {
                first_row.set(w.scroll_top().max(0) as usize / ROW_HEIGHT as usize / STEP * STEP);
            }
        })
    };
    let onkeydown = {
        let (wrap, first_row, wanted) = (wrap.clone(), first_row.clone(), wanted.clone());
        let rows = p.analysis.rows.len();
        Callback::from(move |e: KeyboardEvent| {
            // Modified keys keep their browser meaning (Shift+End selects text, Ctrl+Home scrolls the page).
            if e.ctrl_key() || e.meta_key() || e.alt_key() || e.shift_key() {
                return;
            }
            let Some(w) = wrap.cast::<web_sys::Element>() else {
                return;
            };
            let Some(to) =
                event_row(&e).and_then(|from| key_target(&e.key(), from, rows, page_rows(&w)))
            else {
                return;
            };
            e.prevent_default();
            // A rendered row takes the focus (and the browser scrolls it into view); any other is scrolled to,
            // rendered, and then focused (the effect above).
            if !keep_focus(&wrap, to) {
                scroll_to_row(&w, to);
                first_row.set(w.scroll_top().max(0) as usize / ROW_HEIGHT as usize / STEP * STEP);
                *wanted.borrow_mut() = Some(to);
            }
        })
    };
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
    let sel = p.selected.as_deref().and_then(|s| Selection::resolve(s, a));
    let n = a.rows.len();
    let shown = if *printing {
        0..n
    } else {
        row_window(n, *first_row, view_rows())
    };
    let comparison = p.compared.as_ref();
    let mrows = p.measured.as_ref().and_then(|m| m.0.rows());
    let table_style = columns(a, comparison.is_some(), mrows.is_some());
    let ncols = 12 + usize::from(comparison.is_some()) + 2 * usize::from(mrows.is_some());
    let timing = Rc::new((a.options.dtype, a.options.device.clone()));
    // Each row's match in A: its MACs and key.
    let vs = |i: usize| {
        comparison.map(|c| {
            c.comparison
                .rows
                .get(i)
                .and_then(|m| m.a)
                .and_then(|j| c.base.rows.get(j))
                .map(|r| (r.stats.map_or(0, |s| s.macs), r.key()))
        })
    };
    // Taller than its box: the box gets a fixed height and contains its layout and paint (see the CSS).
    let long = n > view_rows();
    html! {
        <section class="card table-card" aria-labelledby="table-h">
            <h2 id="table-h">{ "Per layer" }
                <span class="muted small">{ format!(" · {} layer calls, batch {}, {}, {}", n, batch,
                    a.options.dtype.name(), a.options.device.name) }</span>
            </h2>
            if let Some(e) = &a.input_error {
                <div class="notice error" role="alert">{ format!("Input: {e}") }</div>
            }
            if a.truncated {
                <div class="notice error" role="alert">{ "The network has too many layer calls; only the first ones are listed." }</div>
            }
            <div class={classes!("table-wrap", "layers-wrap", long.then_some("long"))} ref={wrap} {onscroll}>
                <table class="summary layers" id="summary" role="table" style={table_style} aria-rowcount={(n + 2).to_string()}
                    data-rows={n.to_string()} data-first={shown.start.to_string()} data-last={shown.end.to_string()}>
                    // Explicit roles: the rows are laid out as grids, and a table whose parts are not displayed as
                    // table parts loses their meaning to assistive technology without them.
                    <thead role="rowgroup"><tr role="row" aria-rowindex="1">
                        <th>{ "#" }</th><th>{ "Layer" }</th><th>{ "Type" }</th><th>{ "Output shape" }</th>
                        <th class="num">{ "Params" }</th><th class="num">{ "MACs" }</th>
                        <th class="num" title="output activations">{ "Activations" }</th>
                        <th class="num" title="input + weights + output, each read or written once">{ "Read-once" }</th>
                        <th class="num" title="arithmetic intensity: FLOPs per read-once byte">{ "FLOP/B" }</th>
                        <th class="num" title="receptive field, input pixels">{ "RF" }</th>
                        <th class="num" title="time model estimate; hover a time for its terms">{ "Time" }</th><th>{ "Bound" }</th>
                        if comparison.is_some() {
                            <th class="num" title="MACs of this layer minus those of its match in the baseline A">{ "vs A" }</th>
                        }
                        if mrows.is_some() {
                            { measured_panel::header_cells(&p.measured.as_ref().map_or(String::new(), |m| m.0.measurement.device_name.clone())) }
                        }
                    </tr></thead>
                    <tbody role="rowgroup" {onkeydown}>
                        { spacer(shown.start, ncols) }
                        { for a.rows[shown.clone()].iter().map(|r| {
                            let selected = sel.as_ref().is_some_and(|s| s.highlights(r));
                            let share = permille(r.stats.map_or(0, |s| s.macs), t.macs);
                            html! {
                                <TableRow key={r.index} row={r.clone()} {batch} {share} {selected} on_select={on_select.clone()} timing={timing.clone()} vs={vs(r.index)}
                                    measured={mrows.map(|m| m.get(r.index).copied().flatten())} />
                            }
                        }) }
                        { spacer(n - shown.end, ncols) }
                    </tbody>
                    <tfoot role="rowgroup"><tr class="total-row" role="row" aria-rowindex={(n + 2).to_string()}>
                        <td></td><td>{ "Total" }</td><td></td><td></td>
                        <td class="num">{ thousands(t.params) }</td>
                        <td class="num" title={thousands(t.macs)}>{ si(t.macs as f64) }</td>
                        <td class="num">{ bytes(t.activation_bytes) }</td>
                        <td class="num">{ bytes(t.read_bytes.saturating_add(t.write_bytes)) }</td>
                        <td></td><td></td>
                        <td class="num">{ seconds(t.time_s) }</td><td></td>
                        if let Some(c) = comparison {
                            <td class="num" title="total MACs of B minus those of A">{
                                crate::core::compare_report::signed_change(c.comparison.a.macs, c.comparison.b.macs, crate::core::compare_report::si_count)
                            }</td>
                        }
                        if let Some(m) = p.measured.as_ref().filter(|_| mrows.is_some()) {
                            { measured_panel::total_cells(m.0.measurement.total_s, t.time_s) }
                        }
                    </tr></tfoot>
                </table>
            </div>
            <h3>{ "Per stage" }</h3>
            <StageTable analysis={p.analysis.clone()} />
        </section>
    }
}
