//! The chart worker's side (src/ui/chart_worker.rs is the page's): inside a Web Worker, `main` runs this instead
//! of mounting the app. It keeps the `OffscreenCanvas` of each chart the page hands over and paints a chart when
//! asked: it decodes the paint's link (without a link's size limit), analyses the network (once per link, shared by the
//! charts of one update), draws with the same backend and options the page would use, and answers `drawn` with
//! the measures it took, so the page's `convscope:update` can end and its timeline shows the draws.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, OffscreenCanvas, PerformanceEntry};

use crate::charts::{ChartKind, ChartView, Theme};
use crate::core::analysis::{analyse, Analysis};
use crate::core::fragment::Fields;
use crate::core::fragment::State;
use crate::ui::app::options;
use crate::ui::chart_backend::CssCanvas;
use crate::ui::chart_message::{field, DrawnMessage, PaintMessage, READY};
use crate::ui::chart_spec::{ChartSource, ChartSpec};
use crate::ui::perf::{self, Span};

#[derive(Default)]
struct Scope {
    canvases: Vec<(ChartKind, OffscreenCanvas)>,
    /// What the last paint's link opened.
    source: Option<Rc<ChartSource>>,
    /// The last baseline and its analysis: a pinned baseline is analysed once, not on every step of B.
    base: Option<(Rc<Analysis>, Rc<State>)>,
}

/// Serves chart paints until the worker is closed.
pub fn run() {
    let global: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let scope = RefCell::new(Scope::default());
    let reply = global.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let data = e.data();
        if let Some(paint) = data.as_string().and_then(|s| PaintMessage::decode(&s)) {
            let error = draw(&mut scope.borrow_mut(), &paint).err();
            let drawn = DrawnMessage {
                kind: paint.kind,
                counted: paint.counted,
                error: error.map(|e| format!("convscope: chart worker: {e}")),
                measures: measures(),
            };
            let _ = reply.post_message(&drawn.encode().into());
        } else if let Some(kind) = field(&data, "attach")
            .as_string()
            .and_then(|k| ChartKind::from_key(&k))
        {
            if let Ok(canvas) = field(&data, "canvas").dyn_into::<OffscreenCanvas>() {
                let mut s = scope.borrow_mut();
                s.canvases.retain(|(k, _)| *k != kind);
                s.canvases.push((kind, canvas));
            }
        }
    });
    global.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler serves for the worker's whole life.
    on_message.forget();
    let _ = global.post_message(&READY.into());
}

/// Draws the paint `p` asks for.
fn draw(scope: &mut Scope, p: &PaintMessage) -> Result<(), String> {
    let key = p.kind.key();
    // The link first: a later paint of another chart may say "the same link" whatever happens to this one.
    let source = match (&p.link, &scope.source) {
        (None, Some(s)) => s.clone(),
        (Some(link), _) => {
            scope.source = None;
            // Not `url::open`: the page's network may be larger than a link accepts, and must not give way to
            // the default network.
            let fields = Fields::parse_any_length(link);
            let (doc, _) = fields.state().map_err(|e| e.to_string())?;
            let (view, _) = ChartView::from_fields(&fields);
            let analysis = Rc::new(analyse(&doc.arch, &options(&doc)));
            let base = match fields.baseline() {
                Some(Ok(b)) => Some(match scope.base.take() {
                    Some((a, s)) if *s == b => (a, s),
                    _ => (Rc::new(analyse(&b.arch, &options(&b))), Rc::new(b)),
                }),
                _ => None,
            };
            scope.base = base.clone();
            // The measured times are on the link's own rows, in order.
            let measured = fields.measured.map(|m| (m.rows, None));
            let s = Rc::new(ChartSource::new(analysis, doc, view, base, measured));
            scope.source = Some(s.clone());
            s
        }
        (None, None) => return Err("a paint without a network".to_string()),
    };
    let canvas = scope
        .canvases
        .iter()
        .find(|(k, _)| *k == p.kind)
        .map(|(_, c)| c.clone())
        .ok_or_else(|| format!("the {key} chart has no canvas"))?;
    let theme = if p.dark { Theme::Dark } else { Theme::Light };
    let spec = ChartSpec::new(p.kind, source.view(), theme, p.highlight);
    let Some(backend) = CssCanvas::fit_offscreen(&canvas, p.size, p.dpr) else {
        // No size, nothing to draw (the page does not ask for such paints).
        return Ok(());
    };
    let _measure = Span::new(format!("convscope:chart:{key}"));
    spec.draw_on(backend, &source)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The measures taken since the last call, as `(name, start in milliseconds since the epoch, duration)`; cleared
/// from the worker's timeline.
fn measures() -> Vec<(String, f64, f64)> {
    let Some(p) = perf::performance() else {
        return Vec::new();
    };
    let origin = p.time_origin();
    let out = p
        .get_entries_by_type("measure")
        .iter()
        .map(|e| {
            let e: PerformanceEntry = e.unchecked_into();
            (e.name(), origin + e.start_time(), e.duration())
        })
        .collect();
    p.clear_measures();
    out
}
