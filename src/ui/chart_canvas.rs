//! One chart of `src/charts` on a `<canvas>`: painted in the same update as the rest of the page (when in view;
//! else once it scrolls into view), repainted when its box changes size, with a tooltip under the pointer (or the
//! keyboard's focus), click-to-select and PNG export.

use std::cell::RefCell;
use std::rc::Rc;

use plotters::coord::Shift;
use plotters::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{
    HtmlCanvasElement, IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit,
    ResizeObserver, ResizeObserverEntry,
};
use yew::prelude::*;

use crate::charts::{
    compute_chart, rf_chart, roofline_chart, tradeoff_chart, ChartError, ChartKind, ChartLayout,
    ComputeOptions, HitShape, HitTarget, Metric, RfOptions, RooflineOptions, Theme,
    TradeoffOptions,
};
use crate::core::analysis::Analysis;
use crate::core::whatif::Comparison;
use crate::ui::chart_backend::CssCanvas;

/// An `Rc` compared by identity: the analysis and the what-if are derived once per change, so a new pointer means
/// new numbers, and comparing pointers spares a deep comparison of every row on every render.
pub struct Shared<T>(pub Rc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Which chart, with its options.
#[derive(Clone, PartialEq)]
pub enum ChartSpec {
    Compute(ComputeOptions),
    Rf(RfOptions),
    Tradeoff {
        metric: Metric,
        theme: Theme,
        highlight: Option<usize>,
        whatif: Option<Shared<Comparison>>,
    },
    Roofline(RooflineOptions),
}

impl ChartSpec {
    /// The chart this draws.
    pub fn kind(&self) -> ChartKind {
        match self {
            ChartSpec::Compute(_) => ChartKind::Compute,
            ChartSpec::Rf(_) => ChartKind::ReceptiveField,
            ChartSpec::Tradeoff { .. } => ChartKind::Tradeoff,
            ChartSpec::Roofline(_) => ChartKind::Roofline,
        }
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: DrawingArea<DB, Shift>,
        analysis: &Analysis,
    ) -> Result<ChartLayout, ChartError> {
        match self {
            ChartSpec::Compute(o) => compute_chart::draw(root, analysis, o),
            ChartSpec::Rf(o) => rf_chart::draw(root, analysis, o),
            ChartSpec::Tradeoff {
                metric,
                theme,
                highlight,
                whatif,
            } => {
                let options = TradeoffOptions {
                    metric: *metric,
                    theme: *theme,
                    highlight: *highlight,
                    whatif: whatif.as_ref().map(|w| &*w.0),
                };
                tradeoff_chart::draw(root, analysis, &options)
            }
            ChartSpec::Roofline(o) => roofline_chart::draw(root, analysis, o),
        }
    }
}

/// What was last drawn on a canvas, so a resize can repaint it and the pointer can be hit-tested against it.
///
/// A chart out of view is not painted: it is marked stale and painted when it scrolls into view. Painting four
/// charts costs a visible share of a frame on large networks; an edit made while the table is in view then costs
/// no chart work at all.
///
/// A chart in view is painted in the next animation frame, not in the update that changed it: the frame's
/// `requestAnimationFrame` callbacks run before its style, layout and paint, so the new chart still shows in the
/// same frame as the new table, while the update itself never reads layout. Reading the canvas' size in the middle
/// of an update forced the browser to lay out the half-updated page there and then (a third of a slider step on
/// resnet50); the size now comes from the resize observer, which reports it after each layout. Several changes
/// before a frame (a fast drag) paint once.
#[derive(Default)]
struct Painted {
    input: Option<(Shared<Analysis>, ChartSpec)>,
    layout: ChartLayout,
    dpr: f64,
    /// The canvas' CSS box as the resize observer last reported it (unknown until its first report).
    size: Option<(u32, u32)>,
    /// The size the last paint used.
    painted_size: (u32, u32),
    /// Out of view, as the intersection observer last reported.
    hidden: bool,
    /// The input changed (or the box resized) while hidden.
    stale: bool,
    /// A paint is requested for the coming animation frame.
    scheduled: bool,
}

fn device_pixel_ratio() -> f64 {
    web_sys::window().map_or(1.0, |w| w.device_pixel_ratio())
}

fn performance() -> Option<web_sys::Performance> {
    web_sys::window().and_then(|w| w.performance())
}

/// A performance measure named `name` from its creation to its drop (chart draws, the what-if), so the browser's
/// performance tools and the tests can tell how much of a `convscope:update` they take.
pub struct Span {
    name: String,
    start: String,
    perf: Option<web_sys::Performance>,
}

impl Span {
    pub fn new(name: impl Into<String>) -> Span {
        let name = name.into();
        let start = format!("{name}:start");
        let perf = performance().filter(|p| p.mark(&start).is_ok());
        Span { name, start, perf }
    }
}

impl Drop for Span {
    fn drop(&mut self) {
        if let Some(p) = &self.perf {
            let _ = p.measure_with_start_mark(&self.name, &self.start);
            p.clear_marks_with_mark_name(&self.start);
        }
    }
}

/// The shared paint state of one chart card and its canvas.
type Slot = Rc<RefCell<Painted>>;

/// Paints `slot` in the coming animation frame when in view (once, however often it is asked before that
/// frame), else marks it stale for when it scrolls into view.
fn request_paint(slot: &Slot, canvas: &NodeRef) {
    {
        let mut p = slot.borrow_mut();
        if p.hidden {
            p.stale = true;
            return;
        }
        if p.scheduled {
            return;
        }
        p.scheduled = true;
    }
    let (slot_now, canvas_now) = (slot.clone(), canvas.clone());
    let on_frame = Closure::once_into_js(move || {
        let mut p = slot_now.borrow_mut();
        p.scheduled = false;
        if let Some(c) = canvas_now.cast::<HtmlCanvasElement>() {
            p.paint(&c);
        }
    });
    let requested = web_sys::window()
        .is_some_and(|w| w.request_animation_frame(on_frame.unchecked_ref()).is_ok());
    if !requested {
        // No frames to wait for: paint now rather than never.
        let mut p = slot.borrow_mut();
        p.scheduled = false;
        if let Some(c) = canvas.cast::<HtmlCanvasElement>() {
            p.paint(&c);
        }
    }
}

impl Painted {
    /// Draws the current input on `canvas`, sized to its last observed box; each draw is a
    /// `convscope:chart:<kind>` measure.
    fn paint(&mut self, canvas: &HtmlCanvasElement) {
        self.stale = false;
        // Until it is drawn, the canvas shows no size's picture: the next reported box repaints it.
        self.painted_size = (0, 0);
        let (Some((analysis, spec)), Some(size)) = (&self.input, self.size) else {
            return;
        };
        let dpr = device_pixel_ratio();
        let Some(backend) = CssCanvas::fit(canvas, size, dpr) else {
            return;
        };
        let _measure = Span::new(format!("convscope:chart:{}", spec.kind().key()));
        let root = backend.into_drawing_area();
        let drawn = spec
            .draw(root.clone(), &analysis.0)
            .and_then(|layout| root.present().map(|_| layout).map_err(ChartError::from));
        match drawn {
            Ok(layout) => self.layout = layout,
            Err(e) => gloo::console::error!(e.to_string()),
        }
        self.dpr = dpr;
        self.painted_size = size;
    }
}

/// The tooltip: a hit target's text and where to show it (CSS pixels inside the canvas box).
#[derive(Clone, PartialEq)]
struct Tip {
    label: String,
    detail: String,
    x: f64,
    y: f64,
    /// The box's width, to keep the tooltip inside it.
    width: f64,
}

impl Tip {
    fn new(t: &HitTarget, (x, y): (f64, f64), width: f64) -> Tip {
        Tip {
            label: t.label.clone(),
            detail: t.detail.clone(),
            x,
            y,
            width,
        }
    }

    fn style(&self) -> String {
        // Beside the pointer, on the side with more room.
        let (x, y) = (self.x.round(), self.y.round());
        if self.x > self.width * 0.55 {
            format!("right:{}px;top:{y}px", (self.width - x + 12.0).round())
        } else {
            format!("left:{}px;top:{y}px", x + 12.0)
        }
    }
}

/// Where a keyboard-focused target's tooltip goes.
fn anchor(t: &HitTarget) -> (f64, f64) {
    match t.shape {
        HitShape::Bar { mark, .. } => (
            f64::from(mark.x0 + mark.x1) / 2.0,
            f64::from(mark.y0.max(0)),
        ),
        HitShape::Point { x, y, .. } => (f64::from(x), f64::from(y)),
    }
}

/// Saves the canvas as `convscope-<kind>.png` through a temporary download link.
fn export_png(canvas: &HtmlCanvasElement, kind: ChartKind) {
    let Ok(url) = canvas.to_data_url_with_type("image/png") else {
        return;
    };
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(link) = doc.create_element("a") else {
        return;
    };
    let _ = link.set_attribute("href", &url);
    let _ = link.set_attribute("download", &format!("convscope-{}.png", kind.key()));
    if let Ok(link) = link.dyn_into::<web_sys::HtmlElement>() {
        link.click();
    }
}

/// Properties of [`ChartCanvas`].
#[derive(Properties, PartialEq)]
pub struct ChartCanvasProps {
    pub analysis: Shared<Analysis>,
    pub spec: ChartSpec,
    /// A mark was clicked (or chosen with Enter).
    pub on_select: Callback<HitTarget>,
    /// The chart's own switches, shown in its header.
    #[prop_or_default]
    pub children: Html,
}

/// The newest entry of an observer's report (entries come oldest first).
fn newest<E: JsCast>(entries: &js_sys::Array) -> Option<E> {
    entries
        .iter()
        .filter_map(|e| e.dyn_into::<E>().ok())
        .next_back()
}

/// The two observers a chart uses, alike to start and stop.
trait Observer {
    fn watch(&self, element: &web_sys::Element);
    fn stop(&self);
}

impl Observer for ResizeObserver {
    fn watch(&self, element: &web_sys::Element) {
        self.observe(element);
    }
    fn stop(&self) {
        self.disconnect();
    }
}

impl Observer for IntersectionObserver {
    fn watch(&self, element: &web_sys::Element) {
        self.observe(element);
    }
    fn stop(&self) {
        self.disconnect();
    }
}

/// Watches `canvas` with the observer `make` builds around `on_report` (called with each report's entries);
/// returns the effect's cleanup, which stops the observer and frees the callback.
fn observe<O: Observer>(
    canvas: &NodeRef,
    on_report: impl FnMut(js_sys::Array) + 'static,
    make: impl FnOnce(&js_sys::Function) -> Option<O>,
) -> impl FnOnce() {
    let callback = Closure::<dyn FnMut(js_sys::Array)>::new(on_report);
    let observer = make(callback.as_ref().unchecked_ref());
    if let (Some(o), Some(e)) = (&observer, canvas.cast::<web_sys::Element>()) {
        o.watch(&e);
    }
    move || {
        if let Some(o) = observer {
            o.stop();
        }
        drop(callback);
    }
}

/// Keeps [`Painted::size`] equal to the canvas' CSS box through a resize observer (its first report comes after
/// the canvas is first laid out) and repaints when the box or the pixel ratio changed since the last paint.
#[hook]
fn use_observed_size(canvas: NodeRef, slot: Slot) {
    use_effect_with((), move |_| {
        let watched = canvas.clone();
        let on_report = move |entries: js_sys::Array| {
            let Some(rect) = newest::<ResizeObserverEntry>(&entries).map(|e| e.content_rect())
            else {
                return;
            };
            let size = (
                rect.width().round().max(0.0) as u32,
                rect.height().round().max(0.0) as u32,
            );
            let changed = {
                let mut p = slot.borrow_mut();
                p.size = Some(size);
                size != p.painted_size || device_pixel_ratio() != p.dpr
            };
            if changed {
                request_paint(&slot, &canvas);
            }
        };
        observe(&watched, on_report, |f| ResizeObserver::new(f).ok())
    });
}

/// Tells [`Painted`] whether the canvas is in view (or within 200 px of it), through an intersection observer,
/// and paints it when it comes into view stale.
#[hook]
fn use_visibility(canvas: NodeRef, slot: Slot) {
    use_effect_with((), move |_| {
        let watched = canvas.clone();
        let on_report = move |entries: js_sys::Array| {
            let Some(visible) =
                newest::<IntersectionObserverEntry>(&entries).map(|e| e.is_intersecting())
            else {
                return;
            };
            let stale = {
                let mut p = slot.borrow_mut();
                p.hidden = !visible;
                visible && p.stale
            };
            if stale {
                request_paint(&slot, &canvas);
            }
        };
        let init = IntersectionObserverInit::new();
        init.set_root_margin("200px");
        observe(&watched, on_report, move |f| {
            IntersectionObserver::new_with_options(f, &init).ok()
        })
    });
}

/// One chart card: title, switches, export button, the canvas and its tooltip.
#[function_component(ChartCanvas)]
pub fn chart_canvas(p: &ChartCanvasProps) -> Html {
    let canvas_ref = use_node_ref();
    let painted = use_mut_ref(Painted::default);
    let tip = use_state(|| None::<Tip>);
    let focused = use_mut_ref(|| None::<usize>);
    let kind = p.spec.kind();
    {
        let (painted, canvas_ref) = (painted.clone(), canvas_ref.clone());
        // Paints in the frame that shows this update, before the app ends its `convscope:update` measure.
        use_effect_with((p.analysis.clone(), p.spec.clone()), move |input| {
            painted.borrow_mut().input = Some(input.clone());
            request_paint(&painted, &canvas_ref);
        });
    }
    use_observed_size(canvas_ref.clone(), painted.clone());
    use_visibility(canvas_ref.clone(), painted.clone());

    // Pointer position in layout pixels (CSS pixels; scaled in case the canvas is stretched before a repaint).
    let hit = {
        let (painted, canvas_ref) = (painted.clone(), canvas_ref.clone());
        move |e: &MouseEvent| -> Option<(HitTarget, (f64, f64), f64)> {
            let c = canvas_ref.cast::<HtmlCanvasElement>()?;
            let painted = painted.borrow();
            let l = &painted.layout;
            let cw = f64::from(c.client_width().max(1));
            let scale = f64::from(l.width.max(1)) / cw;
            let (x, y) = (e.offset_x() as f64, e.offset_y() as f64);
            let t = l.hit((x * scale) as i32, (y * scale) as i32)?;
            Some((t.clone(), (x, y), cw))
        }
    };
    let onmousemove = {
        let (hit, tip) = (hit.clone(), tip.clone());
        Callback::from(move |e: MouseEvent| {
            let next = hit(&e).map(|(t, at, w)| Tip::new(&t, at, w));
            if *tip != next {
                tip.set(next);
            }
        })
    };
    let onmouseleave = {
        let tip = tip.clone();
        Callback::from(move |_: MouseEvent| tip.set(None))
    };
    let onclick = {
        let (tip, on_select) = (tip.clone(), p.on_select.clone());
        Callback::from(move |e: MouseEvent| {
            if let Some((t, at, w)) = hit(&e) {
                tip.set(Some(Tip::new(&t, at, w)));
                if t.row.is_some() {
                    on_select.emit(t);
                }
            }
        })
    };
    let onkeydown = {
        let (painted, tip, focused, on_select) = (
            painted.clone(),
            tip.clone(),
            focused.clone(),
            p.on_select.clone(),
        );
        let canvas_ref = canvas_ref.clone();
        Callback::from(move |e: KeyboardEvent| {
            let painted = painted.borrow();
            let targets = &painted.layout.targets;
            if targets.is_empty() {
                return;
            }
            let last = targets.len() - 1;
            let current = (*focused.borrow()).map(|i| i.min(last));
            let next = match e.key().as_str() {
                "ArrowRight" | "ArrowDown" => current.map_or(0, |i| (i + 1).min(last)),
                "ArrowLeft" | "ArrowUp" => current.map_or(0, |i| i.saturating_sub(1)),
                "Home" => 0,
                "End" => last,
                "Enter" | " " => {
                    e.prevent_default();
                    if let Some(t) = current.and_then(|i| targets.get(i)) {
                        if t.row.is_some() {
                            on_select.emit(t.clone());
                        }
                    }
                    return;
                }
                "Escape" => {
                    tip.set(None);
                    return;
                }
                _ => return,
            };
            e.prevent_default();
            *focused.borrow_mut() = Some(next);
            let width = canvas_ref
                .cast::<HtmlCanvasElement>()
                .map_or(0.0, |c| f64::from(c.client_width()));
            tip.set(Some(Tip::new(
                &targets[next],
                anchor(&targets[next]),
                width,
            )));
        })
    };
    let onblur = {
        let tip = tip.clone();
        Callback::from(move |_: FocusEvent| tip.set(None))
    };
    let on_export = {
        let canvas_ref = canvas_ref.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(c) = canvas_ref.cast::<HtmlCanvasElement>() {
                export_png(&c, kind);
            }
        })
    };
    let key = kind.key();
    let title_id = format!("chart-{key}-h");
    let label = format!(
        "{} chart. Arrow keys move between its marks, Enter selects the layer.",
        kind.title()
    );
    html! {
        <figure class="chart-card" id={format!("chart-{key}")} aria-labelledby={title_id.clone()}>
            // The chart draws its own visible title; the heading names the card for assistive technology.
            <figcaption class="chart-head">
                <h3 id={title_id} class="visually-hidden">{ kind.title() }</h3>
                <div class="chart-controls">{ p.children.clone() }</div>
                // A short face so the switches and the button share one line on a half-width card.
                <button type="button" class="chart-export" onclick={on_export} aria-label="Export PNG"
                    title={format!("Export PNG: save this chart as convscope-{key}.png")}>
                    <span aria-hidden="true">{ "⤓ PNG" }</span>
                </button>
            </figcaption>
            <div class="chart-box">
                <canvas ref={canvas_ref} class="chart-canvas" data-chart={key} tabindex="0" role="img"
                    aria-label={label} {onmousemove} {onmouseleave} {onclick} {onkeydown} {onblur}>
                </canvas>
                if let Some(t) = &*tip {
                    <div class="chart-tip" role="status" style={t.style()}>
                        <strong class="chart-tip-label">{ t.label.clone() }</strong>
                        <span class="chart-tip-detail">{ t.detail.clone() }</span>
                    </div>
                }
            </div>
        </figure>
    }
}
