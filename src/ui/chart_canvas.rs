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
    ResizeObserver,
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
#[derive(Default)]
struct Painted {
    input: Option<(Shared<Analysis>, ChartSpec)>,
    layout: ChartLayout,
    dpr: f64,
    /// Out of view, as the intersection observer last reported.
    hidden: bool,
    /// The input changed (or the box resized) while hidden.
    stale: bool,
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

impl Painted {
    /// Paints now when in view, else on coming into view.
    fn update(&mut self, canvas: &HtmlCanvasElement) {
        if self.hidden {
            self.stale = true;
        } else {
            self.paint(canvas);
        }
    }

    /// Records whether the canvas is in view; paints it when it comes into view stale.
    fn set_visible(&mut self, canvas: &HtmlCanvasElement, visible: bool) {
        self.hidden = !visible;
        if visible && self.stale {
            self.paint(canvas);
        }
    }

    /// Draws the current input on `canvas`, sized to its box; each draw is a `convscope:chart:<kind>` measure.
    fn paint(&mut self, canvas: &HtmlCanvasElement) {
        self.stale = false;
        let Some((analysis, spec)) = &self.input else {
            return;
        };
        let dpr = device_pixel_ratio();
        let Some(backend) = CssCanvas::fit(canvas, dpr) else {
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
    }

    /// Repaints when the canvas' box or the pixel ratio changed since the last draw.
    fn repaint_if_resized(&mut self, canvas: &HtmlCanvasElement) {
        let size = (canvas.client_width() as u32, canvas.client_height() as u32);
        if size != (self.layout.width, self.layout.height) || device_pixel_ratio() != self.dpr {
            self.update(canvas);
        }
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

/// Calls [`Painted::repaint_if_resized`] whenever the canvas' box changes; the observer lives as long as the chart.
#[hook]
fn use_repaint_on_resize(canvas: NodeRef, painted: Rc<RefCell<Painted>>) {
    use_effect_with((), move |_| {
        let element = canvas.cast::<web_sys::Element>();
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(c) = canvas.cast::<HtmlCanvasElement>() {
                painted.borrow_mut().repaint_if_resized(&c);
            }
        });
        let observer = ResizeObserver::new(callback.as_ref().unchecked_ref()).ok();
        if let (Some(o), Some(e)) = (&observer, &element) {
            o.observe(e);
        }
        move || {
            if let Some(o) = observer {
                o.disconnect();
            }
            drop(callback);
        }
    });
}

/// Tells [`Painted`] whether the canvas is in view (or within 200 px of it), through an intersection observer.
#[hook]
fn use_visibility(canvas: NodeRef, painted: Rc<RefCell<Painted>>) {
    use_effect_with((), move |_| {
        let element = canvas.cast::<web_sys::Element>();
        let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
            let Some(c) = canvas.cast::<HtmlCanvasElement>() else {
                return;
            };
            // The last entry is the newest state.
            if let Some(e) = entries
                .iter()
                .filter_map(|e| e.dyn_into::<IntersectionObserverEntry>().ok())
                .next_back()
            {
                painted.borrow_mut().set_visible(&c, e.is_intersecting());
            }
        });
        let init = IntersectionObserverInit::new();
        init.set_root_margin("200px");
        let observer =
            IntersectionObserver::new_with_options(callback.as_ref().unchecked_ref(), &init).ok();
        if let (Some(o), Some(e)) = (&observer, &element) {
            o.observe(e);
        }
        move || {
            if let Some(o) = observer {
                o.disconnect();
            }
            drop(callback);
        }
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
        // Runs in the same update as the table, before the app ends its `convscope:update` measure.
        use_effect_with((p.analysis.clone(), p.spec.clone()), move |input| {
            let mut painted = painted.borrow_mut();
            painted.input = Some(input.clone());
            if let Some(c) = canvas_ref.cast::<HtmlCanvasElement>() {
                painted.update(&c);
            }
        });
    }
    use_repaint_on_resize(canvas_ref.clone(), painted.clone());
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
