//! The editor of the selected node: its kind, its knobs as sliders and switches, and the structural buttons. The
//! knobs, their labels, ladders and bounds come from the core's schema (`action::op_knobs`, the op registry).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::core::action::{op_knobs, repeat_knob, Action, Addr, Kind, Param};
use crate::core::arch::{Node, Op};
use crate::core::knob::{Control, Knob, Ladder};
use crate::core::layer::Layer;
use crate::ui::insert_menu::InsertMenu;
use crate::ui::perf;
use crate::ui::slider::{ladders, Slider};
use crate::ui::state::{AppDispatcher, AppHandle, Gesture, UiAction};

/// Properties of [`NodeEditor`].
#[derive(Properties, PartialEq, Clone)]
pub struct NodeEditorProps {
    pub at: Addr,
    pub node: Node,
    pub siblings: usize,
    /// How many times the node runs (its repeat count times those of its parents).
    pub copies: usize,
}

/// A slider's callbacks: the edit while it moves, the end of the gesture after.
type SliderCallbacks = (Callback<(f64, Gesture)>, Callback<()>);

/// The slider callbacks made so far, by node and knob. A slider whose value did not change then gets the very same
/// callbacks again and does not render again: dragging one of a layer's sliders re-renders that slider only.
type CallbackCache = Rc<RefCell<HashMap<(Addr, Param), SliderCallbacks>>>;

/// Builds the controls of one node.
struct Controls {
    app: AppHandle,
    dispatcher: AppDispatcher,
    cache: CallbackCache,
    at: Addr,
}

impl Controls {
    /// What every slider of this node sends: the edit of `param` while it moves, the end of the gesture after.
    fn slider_callbacks(&self, param: Param) -> SliderCallbacks {
        let key = (self.at.clone(), param);
        if let Some(cbs) = self.cache.borrow().get(&key) {
            return cbs.clone();
        }
        let (d, at) = (self.dispatcher.clone(), self.at.clone());
        let on_value = Callback::from(move |(v, g): (f64, Gesture)| {
            let edit = Action::SetParam {
                at: at.clone(),
                param,
                value: v,
            };
            perf::send_via(&d, UiAction::Edit(edit, g));
        });
        let d = self.dispatcher.clone();
        let on_end = Callback::from(move |()| d.dispatch(UiAction::EndGesture));
        self.cache
            .borrow_mut()
            .insert(key, (on_value.clone(), on_end.clone()));
        (on_value, on_end)
    }

    /// A knob's slider, or its checkbox for a toggle.
    fn control(&self, knob: &Knob) -> Html {
        let id = format!("p-{}-{:?}", self.at.key(), knob.param).to_lowercase();
        let label = knob.label;
        let value = knob.value;
        match knob.control {
            Control::Whole { min, max, ladder } => {
                let (on_value, on_end) = self.slider_callbacks(knob.param);
                html! {
                    <Slider {id} {label} {value} ladder={ladder_values(ladder)}
                        bounds={(min as f64, max as f64)} {on_value} {on_end} />
                }
            }
            Control::Fraction {
                min,
                max,
                decimals,
                ladder,
            } => {
                let (on_value, on_end) = self.slider_callbacks(knob.param);
                html! {
                    <Slider {id} {label} {value} ladder={ladder_values(ladder)}
                        bounds={(min, max)} {decimals} {on_value} {on_end} />
                }
            }
            Control::Toggle => self.toggle(knob.param, label, value != 0.0),
        }
    }

    /// The shown knobs: sliders in order, then the switches on one line.
    fn knobs(&self, knobs: &[Knob]) -> Html {
        let (toggles, sliders): (Vec<&Knob>, Vec<&Knob>) = knobs
            .iter()
            .filter(|k| k.shown)
            .partition(|k| k.control == Control::Toggle);
        html! { <>
            { for sliders.into_iter().map(|k| self.control(k)) }
            if !toggles.is_empty() {
                <div class="checks">{ for toggles.into_iter().map(|k| self.control(k)) }</div>
            }
        </> }
    }

    fn toggle(&self, param: Param, label: &str, on: bool) -> Html {
        let (app, at) = (self.app.clone(), self.at.clone());
        let onchange = Callback::from(move |e: Event| {
            let checked = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .is_some_and(|i| i.checked());
            let edit = Action::SetParam {
                at: at.clone(),
                param,
                value: if checked { 1.0 } else { 0.0 },
            };
            perf::send(&app, UiAction::Edit(edit, Gesture::Commit));
        });
        html! {
            <label class="check">
                <input type="checkbox" checked={on} {onchange} />
                { label.to_string() }
            </label>
        }
    }

    fn kind_select(&self, layer: &Layer) -> Html {
        let (app, at) = (self.app.clone(), self.at.clone());
        let current = Kind::of(layer);
        let onchange = Callback::from(move |e: Event| {
            let chosen = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
                .and_then(|s| s.value().parse::<usize>().ok())
                .and_then(|i| Kind::ALL.get(i));
            if let Some(kind) = chosen {
                perf::send(
                    &app,
                    UiAction::Edit(
                        Action::SetKind {
                            at: at.clone(),
                            kind,
                        },
                        Gesture::Commit,
                    ),
                );
            }
        });
        let id = format!("kind-{}", self.at.key());
        html! {
            <div class="field">
                <label for={id.clone()}>{ "Kind" }</label>
                <select {id} {onchange}>
                    { for Kind::ALL.iter().enumerate().map(|(i, k)| html! {
                        <option value={i.to_string()} selected={k == current}>{ k.label() }</option>
                    }) }
                </select>
            </div>
        }
    }

    fn layer(&self, layer: &Layer, knobs: &[Knob]) -> Html {
        let knobs = if knobs.iter().any(|k| k.shown) {
            self.knobs(knobs)
        } else {
            html! { <p class="muted small">{ "No knobs: shape and cost follow from the input." }</p> }
        };
        html! { <>{ self.kind_select(layer) }{ knobs }</> }
    }

    fn button(&self, label: &str, title: &str, action: Action, disabled: bool) -> Html {
        let (app, a) = (self.app.clone(), action);
        let onclick = Callback::from(move |_: MouseEvent| {
            perf::send(&app, UiAction::Edit(a.clone(), Gesture::Commit));
        });
        html! {
            <button type="button" class="small-btn" title={title.to_string()} aria-label={title.to_string()}
                {disabled} {onclick}>{ label.to_string() }</button>
        }
    }
}

/// The values a slider of `ladder` steps through.
fn ladder_values(ladder: Ladder) -> Rc<[f64]> {
    match ladder {
        Ladder::Channels => ladders::channels(),
        Ladder::Spatial => ladders::spatial(),
        Ladder::Probability => ladders::probability(),
        Ladder::Range(lo, hi) => ladders::range(lo, hi),
    }
}

/// The selected node's editor.
#[function_component(NodeEditor)]
pub fn node_editor(p: &NodeEditorProps) -> Html {
    let cache: CallbackCache = use_mut_ref(HashMap::new);
    let Some(app) = use_context::<AppHandle>() else {
        return html! {};
    };
    let c = Controls {
        dispatcher: app.dispatcher(),
        app,
        cache,
        at: p.at.clone(),
    };
    let item = p.at.0.last().map_or(0, |s| s.item);
    let knobs = op_knobs(&p.node.op);
    let knobs = match &p.node.op {
        Op::Layer(l) => c.layer(l, &knobs),
        Op::Seq(_) | Op::Residual(_) | Op::Concat(_) => {
            html! { <p class="muted small">{ "A container: open it to edit its layers." }</p> }
        }
        Op::Block(_) | Op::SqueezeExcite { .. } | Op::ConcatPool(_) => c.knobs(&knobs),
    };
    html! {
        <div class="node-editor" role="group" aria-label="Edit the selected layer">
            <div class="toolbar">
                { c.button("↑", "Move up", Action::Move { at: p.at.clone(), up: true }, item == 0) }
                { c.button("↓", "Move down", Action::Move { at: p.at.clone(), up: false }, item + 1 >= p.siblings) }
                { c.button("Duplicate", "Duplicate", Action::Duplicate(p.at.clone()), false) }
                { c.button("Delete", "Delete", Action::Delete(p.at.clone()), false) }
                <InsertMenu at={p.at.sibling(item + 1)} label="+ Insert after…" />
            </div>
            { knobs }
            { c.control(&repeat_knob(&p.node)) }
            if p.copies > 1 {
                <p class="muted small">{ format!("Runs {} times: edits apply to every copy.", p.copies) }</p>
            }
        </div>
    }
}
