//! The chart worker, as the page sees it: a Web Worker running this same WebAssembly module that draws the charts
//! on `OffscreenCanvas`es handed over to it (src/ui/chart_worker_scope.rs is its side).
//!
//! Why: on a slider step, the charts in view cost about a third of the page's main thread (the what-if analyses,
//! drawing in WebAssembly, then the canvas' raster at commit). In a worker they are drawn beside the page's own
//! work, on another core, and the table's frame no longer waits for them: a resnet50 slider step took 31-34 ms of
//! main-thread CPU before, 20-22 ms after (Chromium trace, 2-core machine). The total work is the same, so where
//! the cores are all busy (that machine under load) the step takes as long as before; with a core to spare it is
//! shorter, and input is handled sooner. The step's `convscope:update` measure still waits for the charts the
//! worker was asked for (src/ui/perf.rs).
//!
//! How: the page posts the worker its compiled `WebAssembly.Module` (so nothing is downloaded or compiled again)
//! and the address of wasm-bindgen's JavaScript glue, found through the `modulepreload` link Trunk writes into
//! index.html. The worker's `main` sees it has no window and serves chart paints instead of mounting the app. A
//! paint message carries what the page's link carries (the network and the chart switches), so the worker
//! rebuilds exactly the chart the page would draw.
//!
//! Where there is no worker (no `OffscreenCanvas`, no glue link as in the wasm-bindgen tests, the worker failed
//! or did not answer within [`START_TIMEOUT_MS`]), the page draws the charts itself as before. A worker lost after
//! it got canvases (an error in it) takes them along: the cards then replace their canvases ([`generation`]) and
//! the page draws on the new ones.

use std::cell::{Cell, RefCell};

use gloo::timers::callback::Timeout;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    Blob, BlobPropertyBag, HtmlCanvasElement, MessageEvent, Url, WorkerOptions, WorkerType,
};

use yew::Callback;

use crate::charts::ChartKind;
use crate::ui::chart_message::{field, DrawnMessage, PaintMessage, READY};
use crate::ui::perf;

/// How long the worker may take to start before the page draws the charts itself.
const START_TIMEOUT_MS: u32 = 5_000;

/// The worker's first script: it imports the glue and instantiates the module it is sent, which runs `main`, and
/// so installs the chart handler. That handler says "ready" and the page sends nothing else before it.
const BOOT: &str = r#"self.onmessage = (first) => {
  self.onmessage = null;
  import(first.data.glue)
    .then((glue) => glue.initSync({ module: first.data.module }))
    .catch((e) => self.postMessage({ failed: String(e) }));
};
"#;

/// Where the worker is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Worker {
    /// None: the page draws the charts.
    None,
    Starting,
    Ready,
}

struct Client {
    worker: web_sys::Worker,
    status: Worker,
    /// A canvas was handed over.
    attached: bool,
    /// The link of the last paint sent.
    last_link: String,
    /// The charts whose paint is with the worker, and the paints waiting for them.
    in_flight: Vec<ChartKind>,
    queued: Vec<Queued>,
    /// Called once the worker is ready or has failed.
    waiting: Vec<Box<dyn FnOnce()>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(JsValue)>,
    _timeout: Option<Timeout>,
}

thread_local! {
    static CLIENT: RefCell<Option<Client>> = const { RefCell::new(None) };
    /// How many times a worker holding canvases was lost: the chart cards key their canvas on it, so a lost
    /// worker's canvases (which the page can no longer draw on) are replaced by new ones the page draws.
    static GENERATION: Cell<u32> = const { Cell::new(0) };
    /// Told when a worker holding canvases is lost.
    static ON_LOST: RefCell<Vec<Callback<()>>> = const { RefCell::new(Vec::new()) };
}

/// See `GENERATION`.
pub fn generation() -> u32 {
    GENERATION.with(Cell::get)
}

/// Calls `f` whenever a worker holding canvases is lost (after [`generation`] has moved on).
pub fn on_lost(f: Callback<()>) {
    ON_LOST.with(|l| l.borrow_mut().push(f));
}

/// Where the worker is now.
pub fn status() -> Worker {
    CLIENT.with(|c| c.borrow().as_ref().map_or(Worker::None, |c| c.status))
}

/// Runs `f` once the worker is ready or has failed (now, if it is not starting).
pub fn when_settled(f: impl FnOnce() + 'static) {
    let f: Box<dyn FnOnce()> = Box::new(f);
    let left = CLIENT.with(|c| match c.borrow_mut().as_mut() {
        Some(client) if client.status == Worker::Starting => {
            client.waiting.push(f);
            None
        }
        _ => Some(f),
    });
    if let Some(f) = left {
        f();
    }
}

/// Sets the worker's status and runs what waited for it to settle.
fn settle(status: Worker) {
    let waiting = CLIENT.with(|c| {
        let mut c = c.borrow_mut();
        let Some(client) = c.as_mut() else {
            return Vec::new();
        };
        if status == Worker::None {
            client.worker.terminate();
        }
        client.status = status;
        client._timeout = None;
        std::mem::take(&mut client.waiting)
    });
    if status == Worker::None {
        let lost = CLIENT
            .with(|c| c.borrow_mut().take())
            .is_some_and(|c| c.attached);
        perf::worker_lost();
        if lost {
            GENERATION.with(|g| g.set(g.get() + 1));
            let listeners = ON_LOST.with(|l| l.borrow().clone());
            for f in listeners {
                f.emit(());
            }
        }
    }
    for f in waiting {
        f();
    }
}

fn object(fields: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&o, &(*k).into(), v);
    }
    o
}

/// The absolute address of wasm-bindgen's glue module, from the `modulepreload` link Trunk puts in index.html.
fn glue_url() -> Option<String> {
    let document = web_sys::window()?.document()?;
    let link = document
        .query_selector("link[rel=modulepreload][href$='.js']")
        .ok()??;
    let href = link.get_attribute("href")?;
    Some(
        Url::new_with_base(&href, &document.base_uri().ok()??)
            .ok()?
            .href(),
    )
}

/// Starts the worker, if the browser can draw on a canvas from a worker and the glue's address is known.
pub fn start() {
    let has_offscreen = web_sys::window()
        .is_some_and(|w| Reflect::has(&w, &"OffscreenCanvas".into()).unwrap_or(false));
    let Some(glue) = glue_url().filter(|_| has_offscreen) else {
        return;
    };
    let Some(worker) = spawn() else {
        return;
    };
    let on_message =
        Closure::<dyn FnMut(MessageEvent)>::new(|e: MessageEvent| on_message(&e.data()));
    let on_error = Closure::<dyn FnMut(JsValue)>::new(|e: JsValue| {
        gloo::console::error!(
            "convscope: the chart worker stopped; charts are drawn on the page",
            e
        );
        settle(Worker::None);
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let first = object(&[("glue", glue.into()), ("module", wasm_bindgen::module())]);
    if worker.post_message(&first).is_err() {
        worker.terminate();
        return;
    }
    let timeout = Timeout::new(START_TIMEOUT_MS, || {
        if status() == Worker::Starting {
            gloo::console::warn!(
                "convscope: the chart worker did not start; charts are drawn on the page"
            );
            settle(Worker::None);
        }
    });
    CLIENT.with(|c| {
        *c.borrow_mut() = Some(Client {
            worker,
            status: Worker::Starting,
            attached: false,
            last_link: String::new(),
            in_flight: Vec::new(),
            queued: Vec::new(),
            waiting: Vec::new(),
            _on_message: on_message,
            _on_error: on_error,
            _timeout: Some(timeout),
        });
    });
}

/// A module worker running [`BOOT`], from a blob address (the script is part of this module, not a file).
fn spawn() -> Option<web_sys::Worker> {
    let parts = Array::of1(&BOOT.into());
    let bag = BlobPropertyBag::new();
    bag.set_type("text/javascript");
    let blob = Blob::new_with_str_sequence_and_options(&parts, &bag).ok()?;
    let url = Url::create_object_url_with_blob(&blob).ok()?;
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    options.set_name("convscope charts");
    let worker = web_sys::Worker::new_with_options(&url, &options).ok();
    let _ = Url::revoke_object_url(&url);
    worker
}

fn on_message(data: &JsValue) {
    if let Some(text) = data.as_string() {
        if text == READY {
            settle(Worker::Ready);
        } else if let Some(drawn) = DrawnMessage::decode(&text) {
            for (name, start, duration) in &drawn.measures {
                perf::record(name, *start, *duration);
            }
            if let Some(error) = drawn.error {
                gloo::console::error!(error);
            }
            perf::worker_paint_done(drawn.counted);
            self::drawn(drawn.kind);
        }
    } else if let Some(reason) = field(data, "failed").as_string() {
        gloo::console::error!(format!(
            "convscope: the chart worker did not start ({reason}); charts are drawn on the page"
        ));
        settle(Worker::None);
    }
}

fn post(message: &JsValue, transfer: Option<&Array>) -> bool {
    CLIENT.with(|c| {
        let c = c.borrow();
        let Some(client) = c.as_ref().filter(|c| c.status == Worker::Ready) else {
            return false;
        };
        match transfer {
            Some(t) => client.worker.post_message_with_transfer(message, t).is_ok(),
            None => client.worker.post_message(message).is_ok(),
        }
    })
}

/// Hands `canvas` over to the worker as the `kind` chart's canvas. `false` when it cannot be (the worker is not
/// ready, or the page has drawn on the canvas already): the page keeps drawing it.
pub fn attach(kind: ChartKind, canvas: &HtmlCanvasElement) -> bool {
    if status() != Worker::Ready {
        return false;
    }
    let Ok(offscreen) = canvas.transfer_control_to_offscreen() else {
        return false;
    };
    let message = object(&[
        ("attach", kind.key().into()),
        ("canvas", offscreen.clone().into()),
    ]);
    // Handed over even if the post fails: the page cannot draw on this canvas any more either way.
    CLIENT.with(|c| {
        if let Some(c) = c.borrow_mut().as_mut() {
            c.attached = true;
        }
    });
    post(&message, Some(&Array::of1(&offscreen)))
}

/// A chart paint for the worker.
pub struct Paint<'a> {
    pub kind: ChartKind,
    /// The network and chart switches as a link's fragment.
    pub link: &'a str,
    /// The canvas' CSS box.
    pub size: (u32, u32),
    pub dpr: f64,
    pub dark: bool,
    pub highlight: Option<usize>,
}

/// A paint waiting for the worker to finish the one before for the same chart.
struct Queued {
    message: PaintMessage,
    link: String,
}

/// Asks the worker to paint; the pending `convscope:update` (if any) waits for it.
///
/// At most one paint per chart is with the worker: a paint asked for meanwhile waits, and a newer one replaces
/// it. When the worker takes longer than the inputs come (a loaded machine, a long drag), the charts then skip
/// to the newest state instead of falling further behind.
pub fn paint(p: &Paint) {
    let counted = perf::worker_paint_started();
    let message = PaintMessage {
        kind: p.kind,
        size: p.size,
        dpr: p.dpr,
        dark: p.dark,
        highlight: p.highlight,
        counted,
        link: None,
    };
    let busy = CLIENT.with(|c| {
        let mut c = c.borrow_mut();
        let client = c.as_mut()?;
        if !client.in_flight.contains(&p.kind) {
            return Some(false);
        }
        let mut message = message.clone();
        if let Some(i) = client.queued.iter().position(|q| q.message.kind == p.kind) {
            let old = client.queued.swap_remove(i);
            // The measures that waited for the replaced paint now wait for this one.
            if old.message.counted {
                if message.counted {
                    perf::worker_paint_done(true);
                }
                message.counted = true;
            }
        }
        client.queued.push(Queued {
            message,
            link: p.link.to_string(),
        });
        Some(true)
    });
    if busy != Some(true) {
        send(message, p.link);
    }
}

/// Posts a paint, with its link only when it differs from the previous paint's (the charts of one update share
/// it), and marks its chart as with the worker.
fn send(mut message: PaintMessage, link: &str) {
    let kind = message.kind;
    CLIENT.with(|c| {
        if let Some(client) = c.borrow_mut().as_mut() {
            if client.last_link != link {
                client.last_link = link.to_string();
                message.link = Some(link.to_string());
            }
            client.in_flight.push(kind);
        }
    });
    if !post(&message.encode().into(), None) {
        CLIENT.with(|c| {
            if let Some(client) = c.borrow_mut().as_mut() {
                client.in_flight.retain(|k| *k != kind);
            }
        });
        perf::worker_paint_done(message.counted);
    }
}

/// The worker finished a paint of `kind`: the one waiting for it, if any, goes.
fn drawn(kind: ChartKind) {
    let next = CLIENT.with(|c| {
        let mut c = c.borrow_mut();
        let client = c.as_mut()?;
        client.in_flight.retain(|k| *k != kind);
        let i = client.queued.iter().position(|q| q.message.kind == kind)?;
        Some(client.queued.swap_remove(i))
    });
    if let Some(q) = next {
        send(q.message, &q.link);
    }
}
