//! The app's state: the shareable core state plus view state, one reducer over [`UiAction`], and the rule that
//! decides whether a change pushes a history entry or replaces the current one.

use std::rc::Rc;

use yew::prelude::*;

use crate::charts::ChartView;
use crate::core::action::{self, Action};
use crate::core::arch::Architecture;
use crate::core::fragment::State;
use crate::core::measured::Measurement;
use crate::core::presets;
use crate::ui::url::Opened;

/// How the latest change should be recorded in the browser history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryMode {
    /// A new entry (structural edits, the first step of a drag).
    Push,
    /// Overwrite the current entry (the rest of a drag, selection changes).
    Replace,
    /// The change came from the URL itself (Back/Forward): write nothing.
    Keep,
}

/// How a value was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gesture {
    /// Part of a continuous gesture (slider drag, typing): one history entry for the whole gesture.
    Drag,
    /// A discrete change (a button, a select, a committed number): its own history entry.
    Commit,
}

/// A message shown above the app.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub error: bool,
    pub text: String,
}

/// Everything the app shows.
#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    /// The state a link carries.
    pub doc: State,
    /// The selected table row (or module) path; a view choice kept in the link as `sel=`.
    pub selected: Option<String>,
    /// The charts' switches; view choices kept in the link.
    pub charts: ChartView,
    /// The pinned baseline A of a comparison, with its own input, batch, dtype and device; `doc` is B.
    pub baseline: Option<Rc<State>>,
    /// While the width multiplier is in use: the architecture it scales and the current factor.
    pub width: Option<(Rc<Architecture>, f64)>,
    /// Measured times loaded from a file or a link (`meas=`), matched to the rows on every analysis.
    pub measured: Option<Rc<Measurement>>,
    pub notice: Option<Notice>,
    /// Bumped on every change the URL should record.
    pub revision: u64,
    pub history: HistoryMode,
    /// Inside a continuous gesture that has already pushed its history entry.
    pub dragging: bool,
}

impl AppState {
    /// The state a link opens.
    pub fn new(opened: Opened) -> AppState {
        let Opened {
            doc,
            selected,
            charts,
            baseline,
            measured,
            notice,
        } = opened;
        AppState {
            doc,
            selected,
            charts,
            baseline: baseline.map(Rc::new),
            width: None,
            measured: measured.map(Rc::new),
            notice,
            revision: 0,
            history: HistoryMode::Keep,
            dragging: false,
        }
    }

    /// The current width multiplier (1 when not in use).
    pub fn width_factor(&self) -> f64 {
        self.width.as_ref().map_or(1.0, |(_, f)| *f)
    }
}

/// Everything that changes the app state.
#[derive(Clone, Debug, PartialEq)]
pub enum UiAction {
    Edit(Action, Gesture),
    /// Moves the global width multiplier (relative to the architecture when the gesture started).
    Width(f64, Gesture),
    /// A continuous gesture ended (slider released, text field left).
    EndGesture,
    Select(Option<String>),
    /// A chart switch changed.
    Charts(ChartView),
    /// The URL changed under us (Back/Forward or a hand-edited address).
    FromUrl(Opened),
    /// Pins, unpins or swaps the comparison's baseline.
    Baseline(BaselineAction),
    /// A measurement file was read (its name, its decoded times): checked against the network, then loaded or
    /// refused with a message (`ui::measured_load`).
    LoadMeasurement(String, Rc<Measurement>),
    /// The measured times are put away.
    ClearMeasurement,
    Dismiss,
    /// Shows a message (e.g. after a copy).
    Notify(Notice),
}

/// What the comparison controls do.
#[derive(Clone, Debug, PartialEq)]
pub enum BaselineAction {
    /// Keeps the current network, with its input and settings, as the baseline A; editing goes on in B.
    Pin,
    Unpin,
    /// The baseline becomes the edited network and the other way round.
    Swap,
    /// A preset (by key), with the current batch, dtype, device and counting, becomes the baseline.
    Preset(String),
}

/// The new baseline after `action`, or `None` when nothing changes.
fn rebase(next: &mut AppState, action: BaselineAction) -> bool {
    match action {
        BaselineAction::Pin => next.baseline = Some(Rc::new(next.doc.clone())),
        BaselineAction::Unpin if next.baseline.is_some() => next.baseline = None,
        BaselineAction::Swap => match next.baseline.take() {
            Some(base) => {
                let edited = std::mem::replace(&mut next.doc, (*base).clone());
                next.baseline = Some(Rc::new(edited));
                next.width = None;
                next.selected = None;
            }
            None => return false,
        },
        BaselineAction::Preset(key) => {
            let Some(arch) = presets::find(&key).and_then(|p| p.architecture().ok()) else {
                return false;
            };
            next.baseline = Some(Rc::new(State {
                arch,
                ..next.doc.clone()
            }));
        }
        BaselineAction::Unpin => return false,
    }
    true
}

impl Reducible for AppState {
    type Action = UiAction;

    fn reduce(self: Rc<Self>, ui: UiAction) -> Rc<Self> {
        let mut next = (*self).clone();
        let recorded = match ui {
            UiAction::Edit(edit, gesture) => {
                let structural = edit.is_structural();
                if !action::apply(&mut next.doc, edit) {
                    return self;
                }
                next.width = None;
                Some(if structural { Gesture::Commit } else { gesture })
            }
            UiAction::Width(factor, gesture) => {
                let base = match &next.width {
                    Some((base, _)) => base.clone(),
                    None => Rc::new(next.doc.arch.clone()),
                };
                let edit = Action::ScaleWidths {
                    base: (*base).clone(),
                    factor,
                };
                action::apply(&mut next.doc, edit);
                next.width = Some((base, factor));
                Some(gesture)
            }
            UiAction::EndGesture => {
                if !next.dragging {
                    return self;
                }
                next.dragging = false;
                return Rc::new(next);
            }
            UiAction::Select(sel) => {
                if next.selected == sel {
                    return self;
                }
                next.selected = sel;
                return view_choice(next);
            }
            UiAction::Charts(view) => {
                if next.charts == view {
                    return self;
                }
                next.charts = view;
                return view_choice(next);
            }
            UiAction::Baseline(action) => {
                if !rebase(&mut next, action) {
                    return self;
                }
                Some(Gesture::Commit)
            }
            UiAction::LoadMeasurement(name, m) => {
                let (measured, notice) = crate::ui::measured_load::accept(&next, &name, m);
                next.notice = Some(notice);
                if measured.is_none() {
                    return Rc::new(next);
                }
                next.measured = measured;
                Some(Gesture::Commit)
            }
            UiAction::ClearMeasurement => {
                if next.measured.take().is_none() {
                    return self;
                }
                Some(Gesture::Commit)
            }
            UiAction::FromUrl(Opened {
                doc,
                selected,
                charts,
                baseline,
                measured,
                notice,
            }) => {
                if next.measured.as_deref() != measured.as_ref() {
                    next.measured = measured.map(Rc::new);
                }
                next.doc = doc;
                next.selected = selected;
                next.charts = charts;
                if next.baseline.as_deref() != baseline.as_ref() {
                    next.baseline = baseline.map(Rc::new);
                }
                next.width = None;
                next.dragging = false;
                if notice.is_some() {
                    next.notice = notice;
                }
                next.history = HistoryMode::Keep;
                None
            }
            UiAction::Dismiss => {
                next.notice = None;
                return Rc::new(next);
            }
            UiAction::Notify(n) => {
                next.notice = Some(n);
                return Rc::new(next);
            }
        };
        if let Some(gesture) = recorded {
            next.history = match gesture {
                Gesture::Drag if next.dragging => HistoryMode::Replace,
                Gesture::Drag => {
                    next.dragging = true;
                    HistoryMode::Push
                }
                Gesture::Commit => {
                    next.dragging = false;
                    HistoryMode::Push
                }
            };
        }
        next.revision += 1;
        Rc::new(next)
    }
}

/// A changed view choice (selection, chart switches): the link follows, without a history entry of its own.
fn view_choice(mut next: AppState) -> Rc<AppState> {
    next.history = HistoryMode::Replace;
    next.revision += 1;
    Rc::new(next)
}

/// The shared state handle every component reads from the context.
pub type AppHandle = UseReducerHandle<AppState>;

/// Sends actions to the app state; the same value for the app's whole life, so components that only send (and
/// callbacks that hold one) are not re-rendered by every change of the state.
pub type AppDispatcher = UseReducerDispatcher<AppState>;
