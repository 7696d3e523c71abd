//! The charts of `src/charts` mounted in the app (issue 4): one canvas per chart, repainted from the analysis in
//! the same update as the table, the selected row highlighted; clicking a mark selects its layer.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::charts::{
    ComputeOptions, Grouping, HitTarget, Metric, RfOptions, RooflineOptions, Theme,
};
use crate::core::action::path_contains;
use crate::core::analysis::Analysis;
use crate::core::whatif::{self, Comparison};
use crate::ui::chart_canvas::{ChartCanvas, ChartSpec, Shared, Span};
use crate::ui::chart_theme::use_chart_theme;
use crate::ui::perf;
use crate::ui::state::{AppHandle, UiAction};

/// Properties of [`ChartsPanel`].
#[derive(Properties, PartialEq)]
pub struct ChartsPanelProps {
    pub analysis: Rc<Analysis>,
    /// The selected row's path, to highlight in the charts.
    pub selected: Option<String>,
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

/// The row a selection path highlights: the row itself, or the first row of the selected module.
fn highlighted(analysis: &Analysis, selected: Option<&str>) -> Option<usize> {
    let sel = selected?;
    analysis
        .rows
        .iter()
        .find(|r| path_contains(sel, &r.path))
        .map(|r| r.index)
}

/// The path a clicked mark selects: its block when the mark stands for one (so the table and editor show the
/// whole block), else its first row.
fn selection(analysis: &Analysis, t: &HitTarget) -> Option<String> {
    let row = analysis.rows.get(t.row?)?;
    let block = t.rows.len() > 1 && !t.label.is_empty() && path_contains(&t.label, &row.path);
    Some(if block {
        t.label.clone()
    } else {
        row.path.clone()
    })
}

/// A labelled `<select>` over `items`.
fn menu<T: Copy + PartialEq + 'static>(
    id: &'static str,
    label: &'static str,
    items: &[(T, &'static str, &'static str)],
    value: T,
    on: UseStateHandle<T>,
    parse: fn(&str) -> Option<T>,
) -> Html {
    let onchange = Callback::from(move |e: Event| {
        if let Some(v) = select_value(&e).as_deref().and_then(parse) {
            on.set(v);
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

/// A labelled checkbox.
fn toggle(id: &'static str, label: &'static str, value: bool, on: UseStateHandle<bool>) -> Html {
    let onchange = Callback::from(move |e: Event| on.set(checked(&e)));
    html! {
        <label class="check chart-field" for={id}>
            <input type="checkbox" {id} checked={value} {onchange} />{ label }
        </label>
    }
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
    let metric = use_state(|| Metric::Macs);
    let grouping = use_state(|| Grouping::Layer);
    let cumulative = use_state(|| true);
    let rf_log = use_state(|| false);
    let trade_metric = use_state(|| Metric::Macs);
    let show_whatif = use_state(|| true);
    let analysis = Shared(p.analysis.clone());

    // The what-if analyses the network twice more: once per analysis, and only while the what-if is shown.
    let whatif: Option<Shared<Comparison>> = {
        let app = app.clone();
        let deps = (analysis.clone(), *show_whatif);
        (*use_memo(deps, move |(a, show)| {
            let app = app.filter(|_| *show)?;
            let _measure = Span::new("convscope:whatif");
            Some(Shared(Rc::new(whatif::compare(
                &app.doc.arch,
                &a.0.options,
            ))))
        }))
        .clone()
    };

    let on_select = {
        let app = app.clone();
        use_callback(analysis.clone(), move |t: HitTarget, a| {
            if let (Some(app), Some(path)) = (&app, selection(&a.0, &t)) {
                perf::send(app, UiAction::Select(Some(path)));
            }
        })
    };
    let highlight = highlighted(&p.analysis, p.selected.as_deref());
    let metrics = metric_items();
    let compute = ChartSpec::Compute(ComputeOptions {
        metric: *metric,
        grouping: *grouping,
        cumulative: *cumulative,
        theme,
        highlight,
    });
    let rf = ChartSpec::Rf(RfOptions {
        log: *rf_log,
        theme,
        highlight,
    });
    let tradeoff = ChartSpec::Tradeoff {
        metric: *trade_metric,
        theme,
        highlight,
        whatif,
    };
    let roofline = ChartSpec::Roofline(RooflineOptions { theme, highlight });
    html! {
        <section class="card charts-panel" id="charts" aria-labelledby="charts-h">
            <h2 id="charts-h">{ "Where is the computation?" }
                <span class="muted small">{ " · hover a bar or point for its numbers, click it to select the layer" }</span>
            </h2>
            <div class="charts-grid">
                <ChartCanvas analysis={analysis.clone()} spec={compute} on_select={on_select.clone()}>
                    { menu("chart-metric", "Metric", &metrics, *metric, metric.clone(), Metric::from_key) }
                    { menu("chart-group", "Per", &GROUPINGS, *grouping, grouping.clone(), Grouping::from_key) }
                    { toggle("chart-cumulative", "cumulative", *cumulative, cumulative.clone()) }
                </ChartCanvas>
                <ChartCanvas analysis={analysis.clone()} spec={rf} on_select={on_select.clone()}>
                    { toggle("chart-rf-log", "log scale", *rf_log, rf_log.clone()) }
                </ChartCanvas>
                <ChartCanvas analysis={analysis.clone()} spec={tradeoff} on_select={on_select.clone()}>
                    { menu("chart-trade-metric", "Size", &metrics, *trade_metric, trade_metric.clone(), Metric::from_key) }
                    { toggle("chart-whatif", "what-if", *show_whatif, show_whatif.clone()) }
                </ChartCanvas>
                <ChartCanvas {analysis} spec={roofline} {on_select} />
            </div>
        </section>
    }
}
