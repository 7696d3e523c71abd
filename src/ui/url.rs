//! Reading and writing the URL fragment: the core's codec plus the app's view choices (`sel=`, the charts'
//! switches), and what to open when a link is broken.

use crate::charts::ChartView;
use crate::core::action;
use crate::core::fragment::{self, Fields, FragmentError, State, MAX_FRAGMENT_BYTES};
use crate::core::measured::{self, Measurement};
use crate::core::presets;
use crate::ui::state::{AppState, HistoryMode, Notice};

/// The preset opened when there is no (usable) link.
pub const DEFAULT_PRESET: &str = "resnet18";

/// The default state: [`DEFAULT_PRESET`] at its batch size.
pub fn default_state() -> State {
    let arch =
        presets::find(DEFAULT_PRESET).and_then(|p| p.architecture().ok().map(|a| (a, p.batch)));
    match arch {
        Some((arch, batch)) => {
            let mut s = State::new(arch);
            s.batch = batch;
            s
        }
        // Unreachable with the built-in presets; an empty network still renders.
        None => State::new(crate::core::arch::Architecture {
            input: crate::core::arch::Input {
                c: 3,
                h: 224,
                w: 224,
            },
            body: Vec::new(),
        }),
    }
}

/// What a fragment opens.
#[derive(Clone, Debug, PartialEq)]
pub struct Opened {
    pub doc: State,
    /// The selected module path (`sel=`).
    pub selected: Option<String>,
    /// The charts' switches.
    pub charts: ChartView,
    /// The pinned baseline of a comparison (`base=`).
    pub baseline: Option<State>,
    /// Measured times (`meas=`), put back on the link's own rows.
    pub measured: Option<Measurement>,
    /// A message when the link was not fully usable.
    pub notice: Option<Notice>,
}

/// What a fragment opens: the state and view choices, and a message when the link was not fully usable.
pub fn open(fragment: &str) -> Opened {
    let text = fragment.strip_prefix('#').unwrap_or(fragment);
    let opened = |doc, selected, charts, notice| Opened {
        doc,
        selected,
        charts,
        baseline: None,
        measured: None,
        notice,
    };
    if text.trim().is_empty() {
        return opened(default_state(), None, ChartView::default(), None);
    }
    // The link is read once; the network, the selection and the charts' switches are its fields.
    let fields = match Fields::parse(text) {
        Ok(f) => f,
        Err(e) => return cannot_open(e, opened),
    };
    let mut opened = open_fields(&fields, opened);
    // A baseline that cannot be read is dropped with a message; the edited network still opens.
    match fields.baseline() {
        Some(Ok(base)) => opened.baseline = Some(base),
        Some(Err(e)) => {
            let text = format!("The link's baseline could not be read ({e}); it is not compared.");
            opened.notice = Some(match opened.notice.take() {
                Some(n) => Notice {
                    error: true,
                    text: format!("{} {text}", n.text),
                },
                None => Notice { error: true, text },
            });
        }
        None => {}
    }
    if let Some(link) = &fields.measured {
        opened.measured = Some(measured_of_link(&opened.doc, link, &mut opened.notice));
    }
    opened
}

/// The measurement a link's `meas=` stands for: the times are on the link's rows, so its network is analysed once
/// to name them. Times beyond its rows (a hand-edited link) are said, not dropped silently.
fn measured_of_link(
    doc: &State,
    link: &fragment::MeasuredLink,
    notice: &mut Option<Notice>,
) -> Measurement {
    let a = crate::core::analysis::analyse(&doc.arch, &crate::ui::app::options(doc));
    let (m, beyond) = measured::from_link(&a, link);
    if beyond > 0 {
        let text = format!(
            "The link's measured times list {beyond} more rows than its network has; those are not shown."
        );
        *notice = Some(match notice.take() {
            Some(n) => Notice {
                error: n.error,
                text: format!("{} {text}", n.text),
            },
            None => Notice { error: false, text },
        });
    }
    m
}

/// The edited network, selection and chart switches of a link's fields.
fn open_fields(
    fields: &Fields,
    opened: impl Fn(State, Option<String>, ChartView, Option<Notice>) -> Opened,
) -> Opened {
    let selected = fields.sel.clone();
    let (charts, chart_warnings) = ChartView::from_fields(fields);
    match fields.state() {
        Ok((state, mut warnings)) => {
            warnings.extend(chart_warnings);
            let notice = (!warnings.is_empty()).then(|| Notice {
                error: false,
                text: format!(
                    "Some settings of this link were not understood: {}.",
                    warnings.join("; ")
                ),
            });
            opened(state, selected, charts, notice)
        }
        Err(FragmentError::Spec(e)) => {
            let mut reason = format!("This link's architecture could not be read {e}.");
            if !chart_warnings.is_empty() {
                reason.push_str(&format!(" Also ignored: {}.", chart_warnings.join("; ")));
            }
            match action::recover_fields(fields) {
                Some(r) => opened(
                    r.state,
                    selected,
                    charts,
                    Some(Notice {
                        error: true,
                        text: format!(
                            "{reason} Opened the nearest valid network: the first {} characters of its spec. \
                             Check the spec in the text view below.",
                            r.kept
                        ),
                    }),
                ),
                None => opened(
                    default_state(),
                    None,
                    charts,
                    Some(Notice {
                        error: true,
                        text: format!("{reason} Opened the default network ({DEFAULT_PRESET}) instead."),
                    }),
                ),
            }
        }
        Err(e) => cannot_open(e, opened),
    }
}

/// The default network, with why the link could not be opened.
fn cannot_open(
    e: FragmentError,
    opened: impl Fn(State, Option<String>, ChartView, Option<Notice>) -> Opened,
) -> Opened {
    opened(
        default_state(),
        None,
        ChartView::default(),
        Some(Notice {
            error: true,
            text: format!(
                "This link could not be opened: {e}. Opened the default network ({DEFAULT_PRESET})."
            ),
        }),
    )
}

/// The fragment (without `#`) for an app state.
pub fn encode(app: &AppState) -> String {
    let mut s = fragment::encode_with_base(&app.doc, app.baseline.as_deref());
    if let Some(sel) = &app.selected {
        s.push_str("&sel=");
        s.push_str(sel);
    }
    s.push_str(&app.charts.encode());
    s
}

/// The page's current fragment.
pub fn read_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// The fragment with the measured times' `meas=` value added, unless the link would then be longer than a link may
/// be (the measured panel says so).
pub fn with_measured(mut fragment: String, meas: Option<&str>) -> String {
    if let Some(v) = meas {
        if fits_measured(&fragment, v) {
            fragment.push_str("&meas=");
            fragment.push_str(v);
        }
    }
    fragment
}

/// Whether `fragment` with the measured times `meas` still fits in a link.
pub fn fits_measured(fragment: &str, meas: &str) -> bool {
    fragment.len() + "&meas=".len() + meas.len() <= MAX_FRAGMENT_BYTES
}

/// Records the app state in the URL as the history mode says, with the measured times' `meas=` value if any.
pub fn write(app: &AppState, meas: Option<&str>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let url = format!("#{}", with_measured(encode(app), meas));
    if read_hash() == url {
        return;
    }
    let Ok(history) = window.history() else {
        return;
    };
    let null = wasm_bindgen::JsValue::NULL;
    let _ = match app.history {
        HistoryMode::Push => history.push_state_with_url(&null, "", Some(&url)),
        HistoryMode::Replace => history.replace_state_with_url(&null, "", Some(&url)),
        HistoryMode::Keep => Ok(()),
    };
}

/// The full address of the current page, for "Copy link".
pub fn href() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}
