//! The charts of `src/charts` mounted in the app (issue 4): one canvas per chart, repainted from the analysis in
//! the same update as the table, the selected row highlighted; clicking a mark selects its layer.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::charts::{ChartKind, ChartView, Grouping, HitTarget, Metric, Theme};
use crate::core::analysis::Analysis;
use crate::core::selection::Selection;
use crate::ui::chart_canvas::ChartCanvas;
use crate::ui::chart_spec::{ChartSource, ChartSpec, Shared};
use crate::ui::chart_theme::use_chart_theme;
use crate::ui::measured_panel::MeasuredView;
use crate::ui::perf;
use crate::ui::state::{AppHandle, UiAction};
use crate::ui::url;

/// Properties of [`ChartsPanel`].
#[derive(Properties, PartialEq)]
pub struct ChartsPanelProps {
    pub analysis: Rc<Analysis>,
    /// The selected row's path, to highlight in the charts.
    pub selected: Option<String>,
    /// A pinned baseline's analysis, drawn beside the network in every chart.
    pub base: Option<Shared<Analysis>>,
    /// A loaded measurement: the compute chart's `measured time` metric and measured share.
    #[prop_or_default]
    pub measured: Option<Shared<MeasuredView>>,
}

fn select_value(e: &Event) -> Option<String> {
    e.target()
        .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
        .map(|s| s.value())
}

fn checked(e: &Event) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        .is_some_and(|i| i.checked())
}

/// The row a selection highlights in the charts: the row itself, or the first row of the selected node.
fn highlighted(analysis: &Analysis, selected: Option<&str>) -> Option<usize> {
    Selection::resolve(selected?, analysis)?.first_row(analysis)
}

/// What a clicked mark selects: the editor node owning all the rows it stands for (a block's bar selects the
/// block, so the table and editor show all of it), else its first row.
fn selection(analysis: &Analysis, t: &HitTarget) -> Option<String> {
    // Marks that stand for no row of this analysis (the what-if's) select nothing.
    let first = t.row?;
    let rows = match analysis.rows.get(t.rows.clone()) {
        Some(rows) if t.rows.contains(&first) => rows,
        _ => std::slice::from_ref(analysis.rows.get(first)?),
    };
    Selection::of_rows(rows, analysis)?.text(analysis)
}

/// A labelled `<select>` over `items`; choosing one calls `on` with it.
fn menu<T: Copy + PartialEq + 'static>(
    id: &'static str,
    label: &'static str,
    items: &[(T, &'static str, &'static str)],
    value: T,
    on: Callback<T>,
    parse: fn(&str) -> Option<T>,
) -> Html {
    let onchange = Callback::from(move |e: Event| {
        if let Some(v) = select_value(&e).as_deref().and_then(parse) {
            on.emit(v);
        }
    });
    html! {
        <span class="chart-field">
            <label for={id}>{ label }</label>
            <select {id} {onchange}>
                { for items.iter().map(|(v, key, text)| html! {
                    <option value={*key} selected={*v == value}>{ *text }</option>
                }) }
            </select>
        </span>
    }
}

/// A labelled checkbox; toggling it calls `on` with its new state.
fn toggle(id: &'static str, label: &'static str, value: bool, on: Callback<bool>) -> Html {
    let onchange = Callback::from(move |e: Event| on.emit(checked(&e)));
    html! {
        <label class="check chart-field" for={id}>
            <input type="checkbox" {id} checked={value} {onchange} />{ label }
        </label>
    }
}

/// The callback of one chart switch: `apply` writes the switch's new value into the view.
fn switch<T: 'static>(app: &Option<AppHandle>, apply: fn(&mut ChartView, T)) -> Callback<T> {
    let app = app.clone();
    Callback::from(move |value| {
        if let Some(app) = &app {
            let mut next = app.charts;
            apply(&mut next, value);
            app.dispatch(UiAction::Charts(next));
        }
    })
}

fn metric_items() -> Vec<(Metric, &'static str, &'static str)> {
    Metric::ALL
        .iter()
        .map(|m| {
            let text = match m {
                Metric::Macs => "MACs",
                Metric::Flops => "FLOPs",
                Metric::Time => "time",
                Metric::Traffic => "traffic",
                Metric::Params => "params",
                Metric::Activations => "activations",
                Metric::Measured => "measured time",
            };
            (*m, m.key(), text)
        })
        .collect()
}

const GROUPINGS: [(Grouping, &str, &str); 3] = [
    (Grouping::Layer, "layer", "layer"),
    (Grouping::BLOCK, "block", "block"),
    (Grouping::Stage, "stage", "stage"),
];

/// The charts area.
#[function_component(ChartsPanel)]
pub fn charts_panel(p: &ChartsPanelProps) -> Html {
    let app = use_context::<AppHandle>();
    let theme: Theme = use_chart_theme();
    // The switches live in the app state, so a link carries them (src/charts/view.rs).
    let view = app.as_ref().map(|a| a.charts).unwrap_or_default();
    // What the charts draw: the analysis, plus the what-if and the worker's link when a chart needs them.
    let source: Shared<ChartSource> = {
        // The network is copied only when the analysis or the switches change, not on every render.
        let app = app.clone();
        (*use_memo(
            (
                Shared(p.analysis.clone()),
                view,
                p.base.clone(),
                p.measured.clone(),
            ),
            move |(a, view, base, measured)| {
                let doc = app
                    .as_ref()
                    .map_or_else(url::default_state, |app| app.doc.clone());
                let base_doc = app.as_ref().and_then(|app| app.baseline.clone());
                let base = base.as_ref().zip(base_doc).map(|(b, d)| (b.0.clone(), d));
                let measured = measured
                    .as_ref()
                    .and_then(|m| m.0.rows().map(|rows| (rows.to_vec(), m.0.link.clone())));
                Shared(Rc::new(ChartSource::new(
                    a.0.clone(),
                    doc,
                    *view,
                    base,
                    measured,
                )))
            },
        ))
        .clone()
    };

    let on_select = {
        let app = app.clone();
        use_callback(source.clone(), move |t: HitTarget, s| {
            if let (Some(app), Some(path)) = (&app, selection(&s.0.analysis, &t)) {
                perf::send(app, UiAction::Select(Some(path)));
            }
        })
    };
    let highlight = highlighted(&p.analysis, p.selected.as_deref());
    let metrics = metric_items();
    // The compute chart offers measured time while a measurement applies (or while a link asks for it).
    let mut compute_metrics = metrics.clone();
    if source.0.measured().is_some() || view.metric == Metric::Measured {
        compute_metrics.push((Metric::Measured, "measured", "measured time"));
    }
    let spec = |kind| ChartSpec::new(kind, &view, theme, highlight);
    html! {
        <section class="card charts-panel" id="charts" aria-labelledby="charts-h">
            <h2 id="charts-h">{ "Where is the computation?" }
                <span class="muted small">{ " · hover a bar or point for its numbers, click it to select the layer" }</span>
            </h2>
            <div class="charts-grid">
                <ChartCanvas source={source.clone()} spec={spec(ChartKind::Compute)} on_select={on_select.clone()}>
                    { menu("chart-metric", "Metric", &compute_metrics, view.metric, switch(&app, |v, m| v.metric = m), Metric::from_compute_key) }
                    { menu("chart-group", "Per", &GROUPINGS, view.grouping, switch(&app, |v, g| v.grouping = g), Grouping::from_key) }
                    { toggle("chart-cumulative", "cumulative", view.cumulative, switch(&app, |v, on| v.cumulative = on)) }
                </ChartCanvas>
                <ChartCanvas source={source.clone()} spec={spec(ChartKind::ReceptiveField)} on_select={on_select.clone()}>
                    { toggle("chart-rf-log", "log scale", view.rf_log, switch(&app, |v, on| v.rf_log = on)) }
                </ChartCanvas>
                <ChartCanvas source={source.clone()} spec={spec(ChartKind::Tradeoff)} on_select={on_select.clone()}>
                    { menu("chart-trade-metric", "Size", &metrics, view.trade_metric, switch(&app, |v, m| v.trade_metric = m), Metric::from_key) }
                    { toggle("chart-whatif", "what-if", view.whatif, switch(&app, |v, on| v.whatif = on)) }
                </ChartCanvas>
                <ChartCanvas {source} spec={spec(ChartKind::Roofline)} {on_select} />
            </div>
        </section>
    }
}
