//! The editor of the selected node: its kind, its knobs as sliders and switches, and the structural buttons.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::core::action::{Action, Addr, Kind, Param};
use crate::core::arch::{Block, Node, Op};
use crate::core::layer::{Act, Groups, Layer, Padding, UpsampleMode};
use crate::core::limits::{MAX_CHANNELS, MAX_KERNEL, MAX_REPEAT, MAX_SCALE, MAX_SPATIAL};
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

    fn slider(&self, param: Param, label: &str, value: u64, ladder: Rc<[f64]>, max: u64) -> Html {
        let (on_value, on_end) = self.slider_callbacks(param);
        let min = if matches!(param, Param::Padding | Param::OutputPadding) {
            0.0
        } else {
            1.0
        };
        html! {
            <Slider id={format!("p-{}-{param:?}", self.at.key()).to_lowercase()} label={label.to_string()}
                value={value as f64} {ladder} bounds={(min, max as f64)} {on_value} {on_end} />
        }
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

    fn fraction(&self, param: Param, label: &str, value: f64) -> Html {
        let (on_value, on_end) = self.slider_callbacks(param);
        html! {
            <Slider id={format!("p-{}-{param:?}", self.at.key()).to_lowercase()} label={label.to_string()}
                {value} ladder={ladders::probability()} bounds={(0.0, 1.0)} decimals={2} {on_value} {on_end} />
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
                .and_then(|i| Kind::ALL.get(i).copied());
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
                        <option value={i.to_string()} selected={*k == current}>{ k.label() }</option>
                    }) }
                </select>
            </div>
        }
    }

    fn layer(&self, layer: &Layer) -> Html {
        let ch = ladders::channels;
        let k = || ladders::range(1, 11);
        let small = |lo| ladders::range(lo, 8);
        let knobs = match layer {
            Layer::Conv(c) => html! { <>
                { self.slider(Param::Out, "Out channels", c.out, ch(), MAX_CHANNELS) }
                { self.slider(Param::Kernel, "Kernel", c.kernel.h, k(), MAX_KERNEL) }
                { self.slider(Param::Stride, "Stride", c.stride.h, small(1), MAX_KERNEL) }
                if let Padding::Explicit(pad) = c.padding {
                    { self.slider(Param::Padding, "Padding", pad.h, small(0), MAX_KERNEL) }
                }
                { self.slider(Param::Dilation, "Dilation", c.dilation.h, small(1), MAX_KERNEL) }
                if let Groups::Count(g) = c.groups {
                    { self.slider(Param::Groups, "Groups", g, ch(), MAX_CHANNELS) }
                }
                <div class="checks">
                    { self.toggle(Param::Depthwise, "Depthwise", c.groups == Groups::Depthwise) }
                    { self.toggle(Param::SamePadding, "padding=\"same\"", c.padding == Padding::Same) }
                    { self.toggle(Param::Bias, "Bias", c.bias) }
                </div>
            </> },
            Layer::ConvTranspose(c) => html! { <>
                { self.slider(Param::Out, "Out channels", c.out, ch(), MAX_CHANNELS) }
                { self.slider(Param::Kernel, "Kernel", c.kernel.h, k(), MAX_KERNEL) }
                { self.slider(Param::Stride, "Stride", c.stride.h, small(1), MAX_KERNEL) }
                { self.slider(Param::Padding, "Padding", c.padding.h, small(0), MAX_KERNEL) }
                { self.slider(Param::OutputPadding, "Output padding", c.output_padding.h, small(0), MAX_KERNEL) }
                { self.slider(Param::Dilation, "Dilation", c.dilation.h, small(1), MAX_KERNEL) }
                { self.slider(Param::Groups, "Groups", c.groups, ch(), MAX_CHANNELS) }
                <div class="checks">{ self.toggle(Param::Bias, "Bias", c.bias) }</div>
            </> },
            Layer::MaxPool(pool) | Layer::AvgPool(pool) => html! { <>
                { self.slider(Param::Kernel, "Kernel", pool.kernel.h, k(), MAX_KERNEL) }
                { self.slider(Param::Stride, "Stride", pool.stride.h, small(1), MAX_KERNEL) }
                { self.slider(Param::Padding, "Padding", pool.padding.h, small(0), MAX_KERNEL) }
                if matches!(layer, Layer::MaxPool(_)) {
                    { self.slider(Param::Dilation, "Dilation", pool.dilation.h, small(1), MAX_KERNEL) }
                }
                <div class="checks">{ self.toggle(Param::CeilMode, "ceil_mode", pool.ceil_mode) }</div>
            </> },
            Layer::AdaptiveAvgPool(s) | Layer::AdaptiveMaxPool(s) => self.slider(
                Param::Size,
                "Output size",
                s.h,
                ladders::spatial(),
                MAX_SPATIAL,
            ),
            Layer::Linear { out, bias } => html! { <>
                { self.slider(Param::Out, "Out features", *out, ch(), MAX_CHANNELS) }
                <div class="checks">{ self.toggle(Param::Bias, "Bias", *bias) }</div>
            </> },
            Layer::Dropout(p) | Layer::StochasticDepth(p) => {
                self.fraction(Param::Prob, "Probability", *p)
            }
            Layer::Upsample { scale, mode } => html! { <>
                { self.slider(Param::Scale, "Scale factor", *scale, ladders::range(1, 8), MAX_SCALE) }
                <div class="checks">{ self.toggle(Param::Bilinear, "Bilinear", *mode == UpsampleMode::Bilinear) }</div>
            </> },
            Layer::Act(Act::LeakyRelu(s)) => self.fraction(Param::Slope, "Negative slope", *s),
            _ => {
                html! { <p class="muted small">{ "No knobs: shape and cost follow from the input." }</p> }
            }
        };
        html! { <>{ self.kind_select(layer) }{ knobs }</> }
    }

    fn block(&self, block: &Block) -> Html {
        let ch = ladders::channels;
        let stride = || ladders::range(1, 4);
        let ratio = || ladders::range(1, 8);
        // torchvision builds InvertedResidual and MBConv with stride 1 or 2 only (core/blocks.rs `check`).
        let torchvision_stride = || ladders::range(1, 2);
        match *block {
            Block::Basic { planes, stride: s } => html! { <>
                { self.slider(Param::Out, "Planes", planes, ch(), MAX_CHANNELS) }
                { self.slider(Param::Stride, "Stride", s, stride(), MAX_KERNEL) }
            </> },
            Block::Bottleneck {
                planes,
                stride: s,
                expansion,
                groups,
                base_width,
            } => html! { <>
                { self.slider(Param::Out, "Planes", planes, ch(), MAX_CHANNELS) }
                { self.slider(Param::Stride, "Stride", s, stride(), MAX_KERNEL) }
                { self.slider(Param::Expansion, "Expansion", expansion, ratio(), MAX_CHANNELS) }
                { self.slider(Param::Groups, "Groups", groups, ch(), MAX_CHANNELS) }
                { self.slider(Param::BaseWidth, "Base width", base_width, ch(), MAX_CHANNELS) }
            </> },
            Block::InvertedResidual {
                expand,
                out,
                stride: s,
            } => html! { <>
                { self.slider(Param::Expansion, "Expansion", expand, ratio(), MAX_CHANNELS) }
                { self.slider(Param::Out, "Out channels", out, ch(), MAX_CHANNELS) }
                { self.slider(Param::Stride, "Stride", s, torchvision_stride(), MAX_KERNEL) }
            </> },
            Block::MbConv {
                expand,
                out,
                kernel,
                stride: s,
            } => html! { <>
                { self.slider(Param::Expansion, "Expansion", expand, ratio(), MAX_CHANNELS) }
                { self.slider(Param::Out, "Out channels", out, ch(), MAX_CHANNELS) }
                { self.slider(Param::Kernel, "Kernel", kernel, ladders::range(1, 9), MAX_KERNEL) }
                { self.slider(Param::Stride, "Stride", s, torchvision_stride(), MAX_KERNEL) }
            </> },
        }
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
    let knobs = match &p.node.op {
        Op::Layer(l) => c.layer(l),
        Op::Block(b) => c.block(b),
        Op::SqueezeExcite { squeeze, .. } => c.slider(
            Param::Squeeze,
            "Squeeze channels",
            *squeeze,
            ladders::channels(),
            MAX_CHANNELS,
        ),
        Op::ConcatPool(s) => c.slider(
            Param::Size,
            "Output size",
            s.h,
            ladders::spatial(),
            MAX_SPATIAL,
        ),
        _ => html! { <p class="muted small">{ "A container: open it to edit its layers." }</p> },
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
            { c.slider(Param::Repeat, "Repeat", p.node.repeat, ladders::range(1, 64), MAX_REPEAT) }
            if p.copies > 1 {
                <p class="muted small">{ format!("Runs {} times: edits apply to every copy.", p.copies) }</p>
            }
        </div>
    }
}
