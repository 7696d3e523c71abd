//! Measured mode: the loaded measurement matched to the page's rows ([`MeasuredView`], derived on every analysis),
//! the card under the totals (whole network measured beside estimated, per-layer error, what did not match, the
//! calibrate button, whether the link carries the times) and the table's two extra cells per row.

use std::rc::Rc;

use yew::prelude::*;

use crate::core::action::Action;
use crate::core::analysis::Analysis;
use crate::core::measured::{self, Matched, Measurement};
use crate::core::report::seconds;
use crate::ui::chart_spec::Shared;
use crate::ui::measured_load::LoadMeasurement;
use crate::ui::perf;
use crate::ui::state::{AppHandle, Gesture, Notice, UiAction};
use crate::ui::url;

/// The loaded measurement matched to the current analysis.
pub struct MeasuredView {
    pub measurement: Rc<Measurement>,
    /// The matched rows, or why the measurement does not apply to the page as it is now (another batch after an
    /// edit, another network).
    pub matched: Result<Matched, String>,
    /// The `meas=` value of the matched rows, for the link and the chart worker.
    pub link: Option<Rc<str>>,
}

impl MeasuredView {
    /// Matches `m` to the rows of `a`.
    pub fn new(a: &Analysis, m: Rc<Measurement>) -> MeasuredView {
        let matched = measured::check_setting(a, &m).and_then(|_| measured::match_rows(a, &m));
        let link = matched
            .as_ref()
            .ok()
            .and_then(|x| measured::to_link(&m, x).encode())
            .map(Rc::from);
        MeasuredView {
            measurement: m,
            matched,
            link,
        }
    }

    /// Each row's measured time, when the measurement applies.
    pub fn rows(&self) -> Option<&[Option<f64>]> {
        self.matched.as_ref().ok().map(|m| m.rows.as_slice())
    }
}

/// `measured ÷ estimated`, two decimals.
fn ratio(measured: f64, estimated: f64) -> String {
    if estimated > 0.0 {
        format!("{:.2}", measured / estimated)
    } else {
        "–".into()
    }
}

/// A row's two measured cells: its measured time and measured ÷ estimated, or dashes.
pub fn cells(estimated: f64, measured: Option<f64>) -> Html {
    match measured {
        Some(t) => html! { <>
            <td class="num measured" data-s={t.to_string()}>{ seconds(t) }</td>
            <td class="num ratio">{ ratio(t, estimated) }</td>
        </> },
        None => {
            html! { <><td class="num measured none">{ "–" }</td><td class="num ratio">{ "–" }</td></> }
        }
    }
}

/// The table header's two measured columns.
pub fn header_cells(device: &str) -> Html {
    html! { <>
        <th class="num" title={format!("measured on {device}: median of the measuring tool's repeats, matched by module path and call")}>{ "Measured" }</th>
        <th class="num" title="measured ÷ estimated: above 1 the time model is optimistic, below 1 pessimistic">{ "Meas ÷ est" }</th>
    </> }
}

/// The totals row's two measured cells: the whole network as measured (functional ops included).
pub fn total_cells(measured: f64, estimated: f64) -> Html {
    html! { <>
        <td class="num measured" title="whole network, measured (functional ops such as residual adds included)"
            data-s={measured.to_string()}>{ seconds(measured) }</td>
        <td class="num ratio">{ ratio(measured, estimated) }</td>
    </> }
}

/// Properties of [`MeasuredPanel`].
#[derive(Properties, PartialEq)]
pub struct MeasuredPanelProps {
    pub analysis: Rc<Analysis>,
    pub view: Shared<MeasuredView>,
}

/// A list of names, at most 40, with how many more.
fn listed(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(40).map(String::as_str).collect();
    let more = names.len() - shown.len();
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// The calibrated device's scales, from its link form `cal:<preset>:<compute>:<bandwidth>:<floor µs>`.
fn calibrated_scales(key: &str) -> Option<String> {
    let parts: Vec<&str> = key.strip_prefix("cal:")?.split(':').collect();
    let [base, c, b, f] = parts.as_slice() else {
        return None;
    };
    Some(format!(
        "Calibrated from {base}: compute ×{c}, bandwidth ×{b}, per-kernel floor {f} µs (the link carries it as {key})."
    ))
}

/// The measured-mode card.
#[function_component(MeasuredPanel)]
pub fn measured_panel(p: &MeasuredPanelProps) -> Html {
    let Some(app) = use_context::<AppHandle>() else {
        return html! {};
    };
    let v = &p.view.0;
    let m = &v.measurement;
    let a = &p.analysis;
    let clear = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| perf::send(&app, UiAction::ClearMeasurement))
    };
    let heading = html! {
        <h2 id="measured-h">{ "Measured times" }
            <span class="muted small">{ format!(" · measured on {} · batch {} · {} · estimates are the time model's",
                m.device_name, m.batch, m.dtype) }</span>
        </h2>
    };
    let actions = html! {
        <button type="button" id="clear-measurement" class="ghost" onclick={clear}>{ "Remove measurement" }</button>
    };
    let matched = match &v.matched {
        Ok(x) => x,
        Err(e) => {
            return html! {
                <section class="card measured-card" id="measured" aria-labelledby="measured-h" data-applies="false">
                    { heading }
                    <p class="notice error" role="status">{ format!("The measurement does not apply to the page as it is now: {e}. The measured column is hidden, and the link leaves the times out, until it does.") }</p>
                    <div class="compare-actions">{ actions }</div>
                </section>
            };
        }
    };
    let figures = measured::figures(a, matched);
    let calibrate = {
        let (app, a, matched) = (app.clone(), p.analysis.clone(), matched.clone());
        Callback::from(move |_: MouseEvent| calibrate_to(&app, &a, &matched))
    };
    let found = m.modules.len() - matched.unmatched.len();
    let unmeasured: Vec<String> = matched
        .unmeasured
        .iter()
        .filter_map(|&i| a.rows.get(i).map(|r| r.key()))
        .collect();
    let link_note = match &v.link {
        Some(value) if url::fits_measured(&url::encode(&app), value) => {
            "The link carries the matched rows' measured times (meas=).".to_string()
        }
        Some(_) => {
            "The measured times are too long for the link: the link leaves them out.".to_string()
        }
        None => {
            "A measured time cannot be written in a link: the link leaves them out.".to_string()
        }
    };
    let sum: f64 = matched.rows.iter().flatten().sum();
    html! {
        <section class="card measured-card" id="measured" aria-labelledby="measured-h" data-applies="true"
            data-total-s={m.total_s.to_string()} data-matched={found.to_string()}
            data-unmatched={matched.unmatched.len().to_string()}
            data-median={figures.map_or(String::new(), |f| f.median_factor.to_string())}>
            { heading }
            <p>
                { format!("Whole network: measured {}, estimated {} on {} (measured ÷ estimated {}). ",
                    seconds(m.total_s), seconds(a.totals.time_s), a.options.device.name, ratio(m.total_s, a.totals.time_s)) }
                { format!("The {found} matched layers sum to {} measured.", seconds(sum)) }
            </p>
            if let Some(f) = figures {
                <p id="measured-figures">{ format!("Per layer ({} layers): median error ×{:.2}, {:.0}% within 1.5×, {:.0}% within 2×, Spearman {:.3}.",
                    f.n, f.median_factor, f.within_1_5 * 100.0, f.within_2 * 100.0, f.spearman) }</p>
            }
            if let Some(text) = calibrated_scales(&a.options.device.key) {
                <p id="calibrated">{ text }</p>
            }
            <div class="compare-actions">
                <button type="button" id="calibrate" onclick={calibrate}
                    title="Fit the device's compute rate, bandwidth and per-kernel floor to the measured layers (robust, in log space) and switch the page to the calibrated device">
                    { "Calibrate device to measurement" }</button>
                { actions }
                <span class="muted small">{ link_note }</span>
            </div>
            if !matched.unmatched.is_empty() {
                <p class="small measured-unmatched">{ format!("{} measured modules not in this network: {}",
                    matched.unmatched.len(), listed(&matched.unmatched)) }</p>
            }
            if !unmeasured.is_empty() {
                <p class="muted small">{ format!("{} rows have no measured time (functional ops such as residual adds are not modules): {}",
                    unmeasured.len(), listed(&unmeasured)) }</p>
            }
        </section>
    }
}

/// Fits the device to the measurement and switches the page to it, saying what changed.
fn calibrate_to(app: &AppHandle, a: &Analysis, matched: &Matched) {
    match measured::calibrate(a, matched) {
        Ok(c) => {
            let text = format!(
                "Calibrated to the measurement: compute ×{:.3}, bandwidth ×{:.3}, per-kernel floor {:.3} µs; per-layer \
                 median error ×{:.2} → ×{:.2} ({} layers). The device is now {}.",
                c.fit.compute,
                c.fit.bandwidth,
                c.fit.floor_s * 1e6,
                c.before.median_factor,
                c.after.median_factor,
                c.after.n,
                c.device.key
            );
            perf::send(
                app,
                UiAction::Edit(Action::SetDevice(c.device.key), Gesture::Commit),
            );
            app.dispatch(UiAction::Notify(Notice { error: false, text }));
        }
        Err(e) => app.dispatch(UiAction::Notify(Notice {
            error: true,
            text: format!("Could not calibrate: {e}."),
        })),
    }
}

/// The "Load measurement…" control when nothing is loaded: a line under the totals.
#[function_component(MeasuredPrompt)]
pub fn measured_prompt() -> Html {
    html! {
        <div class="measured-prompt muted small">
            <LoadMeasurement />
            { " Per-layer times measured on your own GPU or CPU (tools/measure/measure.py) show beside the estimates; drop the JSON file anywhere on the page." }
        </div>
    }
}
