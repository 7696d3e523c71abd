//! One chart of `src/charts` on a `<canvas>`: painted in the same update as the rest of the page (when in view;
//! else once it scrolls into view), repainted when its box changes size, with a tooltip under the pointer (or the
//! keyboard's focus), click-to-select and PNG export.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{
    HtmlCanvasElement, IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit,
    ResizeObserver, ResizeObserverEntry,
};
use yew::prelude::*;

use crate::charts::{ChartKind, ChartLayout, HitShape, HitTarget, Theme};
use crate::ui::chart_backend::CssCanvas;
use crate::ui::chart_spec::{ChartSource, ChartSpec, Shared};
use crate::ui::chart_worker::{self, Worker};
use crate::ui::perf::Span;

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
///
/// Where the browser can, the chart worker draws the chart (src/ui/chart_worker.rs): the canvas is handed over to
/// it on the first paint, and a paint only sends the worker what to draw. The page then computes a chart's layout
/// (its marks, for the tooltip and clicks) only when the pointer or the keyboard needs it, by drawing the chart
/// once on a canvas of its own, and exports PNGs the same way.
#[derive(Default)]
struct Painted {
    input: Option<(Shared<ChartSource>, ChartSpec)>,
    /// The marks of the chart as last painted, for hit-testing; `None` until computed for the current paint.
    layout: Option<ChartLayout>,
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
    /// Whether the canvas was handed to the chart worker (`None`: not decided yet).
    in_worker: Option<bool>,
}

fn device_pixel_ratio() -> f64 {
    web_sys::window().map_or(1.0, |w| w.device_pixel_ratio())
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
    let on_frame = Closure::once_into_js(move || paint(&slot_now, &canvas_now));
    let requested = web_sys::window()
        .is_some_and(|w| w.request_animation_frame(on_frame.unchecked_ref()).is_ok());
    if !requested {
        // No frames to wait for: paint now rather than never.
        paint(slot, canvas);
    }
}

/// Paints the current input: in the chart worker when the canvas is (or can now be) handed to it, else here.
/// While the worker is starting, the paint waits for it.
fn paint(slot: &Slot, canvas: &NodeRef) {
    let Some(c) = canvas.cast::<HtmlCanvasElement>() else {
        slot.borrow_mut().scheduled = false;
        return;
    };
    let worker = chart_worker::status();
    if let Worker::Starting = worker {
        if slot.borrow().in_worker.is_none() {
            let (slot, canvas) = (slot.clone(), canvas.clone());
            chart_worker::when_settled(move || paint(&slot, &canvas));
            return;
        }
    }
    let mut p = slot.borrow_mut();
    p.scheduled = false;
    if p.in_worker.is_none() {
        let kind = p.input.as_ref().map(|(_, spec)| spec.kind());
        p.in_worker = Some(
            matches!(worker, Worker::Ready) && kind.is_some_and(|k| chart_worker::attach(k, &c)),
        );
    }
    if p.in_worker == Some(true) {
        p.send();
    } else {
        p.paint_here(&c);
    }
}

/// A paint to do: the chart, its source, the CSS box and the pixel ratio.
type PaintJob = (Shared<ChartSource>, ChartSpec, (u32, u32), f64);

impl Painted {
    /// What to paint and at which size; marks the canvas as not showing any size's picture until painted (the
    /// next reported box repaints it).
    fn take_paint(&mut self) -> Option<PaintJob> {
        self.stale = false;
        self.painted_size = (0, 0);
        // An empty box (a hidden card) has nothing to draw on.
        let size = self.size.filter(|&(w, h)| w > 0 && h > 0)?;
        let (source, spec) = self.input.clone()?;
        let dpr = device_pixel_ratio();
        self.dpr = dpr;
        self.painted_size = size;
        Some((source, spec, size, dpr))
    }

    /// Draws the current input on `canvas`, sized to its last observed box; each draw is a
    /// `convscope:chart:<kind>` measure.
    fn paint_here(&mut self, canvas: &HtmlCanvasElement) {
        let Some((source, spec, size, dpr)) = self.take_paint() else {
            return;
        };
        let Some(backend) = CssCanvas::fit(canvas, size, dpr) else {
            self.painted_size = (0, 0);
            return;
        };
        let _measure = Span::new(format!("convscope:chart:{}", spec.kind().key()));
        match spec.draw_on(backend, &source.0) {
            Ok(layout) => self.layout = Some(layout),
            Err(e) => gloo::console::error!(e.to_string()),
        }
    }

    /// Asks the chart worker to paint the current input; the layout is computed when needed.
    fn send(&mut self) {
        let Some((source, spec, size, dpr)) = self.take_paint() else {
            return;
        };
        self.layout = None;
        chart_worker::paint(&chart_worker::Paint {
            kind: spec.kind(),
            link: source.0.link(),
            size,
            dpr,
            dark: spec.theme() == Theme::Dark,
            highlight: spec.highlight(),
        });
    }

    /// The chart drawn by itself on a detached canvas of the painted size at pixel ratio `dpr`: its layout (in
    /// CSS pixels, whatever the ratio) and the canvas, for a PNG.
    fn draw_detached(&self, dpr: f64) -> Option<(HtmlCanvasElement, ChartLayout)> {
        let (source, spec) = self.input.as_ref()?;
        let canvas: HtmlCanvasElement = web_sys::window()?
            .document()?
            .create_element("canvas")
            .ok()?
            .dyn_into()
            .ok()?;
        let backend = CssCanvas::fit(&canvas, self.painted_size, dpr)?;
        let layout = spec.draw_on(backend, &source.0).ok()?;
        Some((canvas, layout))
    }

    /// The marks of the painted chart, computed now if the chart worker painted it.
    fn layout(&mut self) -> &ChartLayout {
        let layout = match self.layout.take() {
            Some(l) => l,
            None => self.draw_detached(1.0).map(|(_, l)| l).unwrap_or_default(),
        };
        self.layout.insert(layout)
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
    pub source: Shared<ChartSource>,
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
fn use_observed_size(canvas: NodeRef, slot: Slot, generation: u32) {
    use_effect_with(generation, move |_| {
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
fn use_visibility(canvas: NodeRef, slot: Slot, generation: u32) {
    use_effect_with(generation, move |_| {
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
        use_effect_with((p.source.clone(), p.spec.clone()), move |input| {
            painted.borrow_mut().input = Some(input.clone());
            request_paint(&painted, &canvas_ref);
        });
    }
    // A chart worker lost with this card's canvas: a new canvas (keyed on the generation), drawn by the page.
    let generation = chart_worker::generation();
    {
        let redraw = use_force_update();
        use_effect_with((), move |_| {
            chart_worker::on_lost(Callback::from(move |_| redraw.force_update()))
        });
        let (painted, canvas_ref) = (painted.clone(), canvas_ref.clone());
        use_effect_with(generation, move |_| {
            // Every card decided since the loss gets a new canvas too, so each decides again and paints.
            let lost = {
                let mut p = painted.borrow_mut();
                let lost = p.in_worker.is_some();
                if lost {
                    p.in_worker = None;
                    p.layout = None;
                }
                lost
            };
            if lost {
                request_paint(&painted, &canvas_ref);
            }
        });
    }
    use_observed_size(canvas_ref.clone(), painted.clone(), generation);
    use_visibility(canvas_ref.clone(), painted.clone(), generation);

    // Pointer position in layout pixels (CSS pixels; scaled in case the canvas is stretched before a repaint).
    let hit = {
        let (painted, canvas_ref) = (painted.clone(), canvas_ref.clone());
        move |e: &MouseEvent| -> Option<(HitTarget, (f64, f64), f64)> {
            let c = canvas_ref.cast::<HtmlCanvasElement>()?;
            let mut painted = painted.borrow_mut();
            let l = painted.layout();
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
            let mut painted = painted.borrow_mut();
            let targets = &painted.layout().targets;
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
        let (painted, canvas_ref) = (painted.clone(), canvas_ref.clone());
        Callback::from(move |_: MouseEvent| {
            let painted = painted.borrow();
            // A canvas handed to the chart worker cannot be read here: export the chart drawn here instead.
            if painted.in_worker == Some(true) {
                if let Some((c, _)) = painted.draw_detached(painted.dpr) {
                    export_png(&c, kind);
                }
            } else if let Some(c) = canvas_ref.cast::<HtmlCanvasElement>() {
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
                <canvas key={generation.to_string()} ref={canvas_ref} class="chart-canvas" data-chart={key} tabindex="0" role="img"
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
