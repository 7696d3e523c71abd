//! The root component: owns the state, derives the analysis, keeps the URL in step and lays out the panels.

use std::rc::Rc;

use yew::prelude::*;

use crate::core::analysis::{analyse, Analysis, Options};
use crate::core::compare;
use crate::core::device::Device;
use crate::core::fragment::State;
use crate::ui::chart_spec::Shared;
use crate::ui::chart_worker;
use crate::ui::chart_worker_scope;
use crate::ui::charts_panel::ChartsPanel;
use crate::ui::compare_panel::{ComparePanel, Compared};
use crate::ui::conventions::Conventions;
use crate::ui::header::Header;
use crate::ui::layer_list::LayerList;
use crate::ui::measured_panel::{MeasuredPanel, MeasuredPrompt, MeasuredView};
use crate::ui::notice_bar::NoticeBar;
use crate::ui::perf;
use crate::ui::settings_panel::SettingsPanel;
use crate::ui::spec_text::SpecText;
use crate::ui::state::{AppDispatcher, AppHandle, AppState};
use crate::ui::summary_table::SummaryTable;
use crate::ui::totals_bar::TotalsBar;
use crate::ui::url;
use crate::ui::use_url_sync::use_url_sync;

/// The analysis options a state asks for; an unknown device falls back to the default one.
pub fn options(doc: &State) -> Options {
    let defaults = Options::default();
    Options {
        batch: doc.batch,
        dtype: doc.dtype,
        device: Device::find(&doc.device).unwrap_or(defaults.device),
        counting: doc.counting,
        timing: crate::core::timing::TimeOptions { fused: doc.fused },
    }
}

/// The whole app.
#[function_component(App)]
pub fn app() -> Html {
    let app: AppHandle = use_reducer(|| AppState::new(url::open(&url::read_hash())));
    let doc = app.doc.clone();
    let analysis: Rc<Analysis> =
        (*use_memo(doc, |doc| Rc::new(analyse(&doc.arch, &options(doc))))).clone();
    // Loaded measured times, matched to the rows again after every change of the analysis.
    let measured: Option<Shared<MeasuredView>> = (*use_memo(
        (Shared(analysis.clone()), app.measured.clone().map(Shared)),
        |(a, m)| {
            m.as_ref()
                .map(|m| Shared(Rc::new(MeasuredView::new(&a.0, m.0.clone()))))
        },
    ))
    .clone();
    use_url_sync(
        app.clone(),
        measured.as_ref().and_then(|m| m.0.link.clone()),
    );
    // A pinned baseline is analysed once when pinned; only the matching of rows follows each change.
    let base: Option<Rc<Analysis>> = (*use_memo(app.baseline.clone(), |b| {
        b.as_ref().map(|b| Rc::new(analyse(&b.arch, &options(b))))
    }))
    .clone();
    let compared: Option<Compared> = (*use_memo(
        (Shared(analysis.clone()), base.clone().map(Shared)),
        |(b, a)| {
            a.as_ref().map(|a| Compared {
                base: a.0.clone(),
                comparison: Rc::new(compare::compare(&a.0, &b.0)),
            })
        },
    ))
    .clone();
    // Runs after every render, once the DOM holds the new table: the end of the measured update.
    use_effect(perf::finish);
    let selected = app.selected.clone();
    let dispatcher: AppDispatcher = app.dispatcher();
    html! {
        <ContextProvider<AppHandle> context={app.clone()}>
        <ContextProvider<AppDispatcher> context={dispatcher}>
            <Header analysis={analysis.clone()} compared={compared.clone()} />
            <NoticeBar />
            <main class="layout">
                <aside class="editor" id="editor" aria-label="Network editor">
                    <SettingsPanel />
                    <LayerList analysis={analysis.clone()} />
                    <SpecText />
                </aside>
                <section class="results" id="results" aria-label="Analysis">
                    <TotalsBar analysis={analysis.clone()} />
                    if let Some(m) = measured.clone() {
                        <MeasuredPanel analysis={analysis.clone()} view={m} />
                    } else {
                        <MeasuredPrompt />
                    }
                    if let Some(c) = compared.clone() {
                        <ComparePanel analysis={analysis.clone()} compared={c} />
                    }
                    <ChartsPanel analysis={analysis.clone()} selected={selected.clone()} base={base.clone().map(Shared)} measured={measured.clone()} />
                    <SummaryTable analysis={analysis.clone()} selected={selected} compared={compared} {measured} />
                    <Conventions analysis={analysis} />
                </section>
            </main>
        </ContextProvider<AppDispatcher>>
        </ContextProvider<AppHandle>>
    }
}

/// Mounts the app on the document body; in the chart worker (no window), serves chart paints instead.
pub fn mount() {
    if web_sys::window().is_none() {
        chart_worker_scope::run();
        return;
    }
    chart_worker::start();
    // The static "loading" line of index.html gives way to the app.
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        boot.remove();
    }
    yew::Renderer::<App>::new().render();
}
