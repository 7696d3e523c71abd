//! The chart worker's side (src/ui/chart_worker.rs is the page's): inside a Web Worker, `main` runs this instead
//! of mounting the app. It keeps the `OffscreenCanvas` of each chart the page hands over and paints a chart when
//! asked: it opens the paint's link as the page opens a link, analyses the network (once per link, shared by the
//! charts of one update), draws with the same backend and options the page would use, and answers `drawn` with
//! the measures it took, so the page's `convscope:update` can end and its timeline shows the draws.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, OffscreenCanvas, PerformanceEntry};

use crate::charts::{ChartKind, Theme};
use crate::core::analysis::analyse;
use crate::ui::app::options;
use crate::ui::chart_backend::CssCanvas;
use crate::ui::chart_spec::{ChartSource, ChartSpec};
use crate::ui::perf::{self, Span};
use crate::ui::url;

#[derive(Default)]
struct Scope {
    canvases: Vec<(ChartKind, OffscreenCanvas)>,
    /// The last link painted and what it opened.
    source: Option<(String, Rc<ChartSource>)>,
}

fn field(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn set(o: &Object, key: &str, value: JsValue) {
    let _ = Reflect::set(o, &key.into(), &value);
}

/// Serves chart paints until the worker is closed.
pub fn run() {
    let global: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let scope = RefCell::new(Scope::default());
    let reply = global.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let data = e.data();
        if let Some(kind) = field(&data, "attach")
            .as_string()
            .and_then(|k| ChartKind::from_key(&k))
        {
            if let Ok(canvas) = field(&data, "canvas").dyn_into::<OffscreenCanvas>() {
                let mut s = scope.borrow_mut();
                s.canvases.retain(|(k, _)| *k != kind);
                s.canvases.push((kind, canvas));
            }
        } else if let Some(key) = field(&data, "paint").as_string() {
            let error = paint(&mut scope.borrow_mut(), &key, &data).err();
            let answer = Object::new();
            set(&answer, "drawn", key.into());
            set(&answer, "counted", field(&data, "counted"));
            set(&answer, "measures", measures().into());
            if let Some(e) = error {
                set(
                    &answer,
                    "error",
                    format!("convscope: chart worker: {e}").into(),
                );
            }
            let _ = reply.post_message(&answer);
        }
    });
    global.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler serves for the worker's whole life.
    on_message.forget();
    let ready = Object::new();
    set(&ready, "ready", true.into());
    let _ = global.post_message(&ready);
}

/// Paints the chart `key` as the message `data` asks.
fn paint(scope: &mut Scope, key: &str, data: &JsValue) -> Result<(), String> {
    let kind = ChartKind::from_key(key).ok_or_else(|| format!("no chart {key:?}"))?;
    let canvas = scope
        .canvases
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, c)| c.clone())
        .ok_or_else(|| format!("the {key} chart has no canvas"))?;
    let link = field(data, "link").as_string().unwrap_or_default();
    let source = match &scope.source {
        Some((l, s)) if *l == link => s.clone(),
        _ => {
            let opened = url::open(&link);
            let analysis = Rc::new(analyse(&opened.doc.arch, &options(&opened.doc)));
            let s = Rc::new(ChartSource::new(analysis, opened.doc, opened.charts));
            scope.source = Some((link, s.clone()));
            s
        }
    };
    let number = |k: &str| field(data, k).as_f64().unwrap_or(0.0);
    let size = (number("width") as u32, number("height") as u32);
    let theme = if field(data, "dark").is_truthy() {
        Theme::Dark
    } else {
        Theme::Light
    };
    let highlight = Some(number("highlight"))
        .filter(|h| *h >= 0.0)
        .map(|h| h as usize);
    let spec = ChartSpec::new(kind, source.view(), theme, highlight);
    let Some(backend) = CssCanvas::fit_offscreen(&canvas, size, number("dpr")) else {
        // No size, nothing to draw (the page does not ask for such paints).
        return Ok(());
    };
    let _measure = Span::new(format!("convscope:chart:{key}"));
    spec.draw_on(backend, &source)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The measures taken since the last call, as `{name, start, duration}` with `start` in milliseconds since the
/// epoch; cleared from the worker's timeline.
fn measures() -> Array {
    let out = Array::new();
    let Some(p) = perf::performance() else {
        return out;
    };
    let origin = p.time_origin();
    for e in p.get_entries_by_type("measure").iter() {
        let e: PerformanceEntry = e.unchecked_into();
        let m = Object::new();
        set(&m, "name", e.name().into());
        set(&m, "start", (origin + e.start_time()).into());
        set(&m, "duration", e.duration().into());
        out.push(&m);
    }
    p.clear_measures();
    out
}
