//! Browser tests (wasm-bindgen-test in headless Chromium): mount the real App, fire real events, read the DOM and
//! the URL. Run with `cargo test --target wasm32-unknown-unknown --test browser` (see .cargo/config.toml).
#![cfg(target_arch = "wasm32")]
// Tests may panic: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use convscope::core::{fragment, presets};
use convscope::ui::{url, App};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, Event, EventInit, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

/// Sets the URL fragment without firing events, as if the page had been opened with it.
fn set_hash(hash: &str) {
    let history = web_sys::window()
        .expect("window")
        .history()
        .expect("history");
    history
        .replace_state_with_url(&JsValue::NULL, "", Some(&format!("#{hash}")))
        .expect("replaceState");
}

/// Mounts a fresh App in its own element and waits for the first render.
async fn mount(hash: &str) -> (yew::AppHandle<App>, Element) {
    set_hash(hash);
    let root = document().create_element("div").expect("div");
    document()
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append");
    let handle = yew::Renderer::<App>::with_root(root.clone()).render();
    sleep(50).await;
    (handle, root)
}

async fn unmount(handle: yew::AppHandle<App>, root: Element) {
    // Let pending URL writes of this app run before the next test starts.
    sleep(200).await;
    handle.destroy();
    root.remove();
}

fn find(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no element matches {selector}"))
}

fn data(root: &Element, attr: &str) -> String {
    find(root, ".totals")
        .get_attribute(attr)
        .unwrap_or_default()
}

fn bubbling(kind: &str) -> Event {
    let init = EventInit::new();
    init.set_bubbles(true);
    Event::new_with_event_init_dict(kind, &init).expect("event")
}

fn link(preset: &str) -> String {
    let p = presets::find(preset).expect("preset");
    let mut state = fragment::State::new(p.architecture().expect("parses"));
    state.batch = p.batch;
    fragment::encode(&state)
}

#[wasm_bindgen_test]
async fn a_slider_changes_the_table_and_the_fragment() {
    let (handle, root) = mount(&format!("{}&sel=0.0", link("simple_cnn"))).await;
    let macs_before = data(&root, "data-macs");
    let row_before = find(&root, "tr.row").text_content().unwrap_or_default();
    assert!(row_before.contains("Conv2d"), "{row_before}");
    let hash_before = url::read_hash();

    // The selected conv's first slider is its out channels; move it to another ladder position.
    let slider: HtmlInputElement = find(&root, ".node-editor input[type=range]")
        .dyn_into()
        .expect("a range input");
    let index: u32 = slider.value().parse().expect("index");
    slider.set_value(&(index + 10).to_string());
    slider.dispatch_event(&bubbling("input")).expect("input");
    slider.dispatch_event(&bubbling("change")).expect("change");
    sleep(400).await;

    assert_ne!(data(&root, "data-macs"), macs_before);
    assert_ne!(
        find(&root, "tr.row").text_content().unwrap_or_default(),
        row_before
    );
    let hash_after = url::read_hash();
    assert_ne!(hash_after, hash_before);
    assert!(hash_after.contains("conv(14,3,s2,p1)"), "{hash_after}");
    let performance = web_sys::window()
        .and_then(|w| w.performance())
        .expect("performance");
    assert!(performance.get_entries_by_name("convscope:update").length() > 0);
    unmount(handle, root).await;
}

/// The table renders only the rows near its view, and spacer rows stand in for the others at the fixed row height.
#[wasm_bindgen_test]
async fn a_long_table_renders_a_window_of_rows_and_scrolls_to_a_selection() {
    let preset = presets::find("resnet152").expect("preset");
    let arch = preset.architecture().expect("parses");
    let options = convscope::core::analysis::Options {
        batch: preset.batch,
        ..Default::default()
    };
    let rows = convscope::core::analysis::analyse(&arch, &options).rows;
    let last = rows.last().expect("rows").path.clone();
    // The app's stylesheet gives the table its scroll box and fixed row height.
    app_style();
    let (handle, root) = mount(&format!("{}&sel={last}", link("resnet152"))).await;
    sleep(100).await;
    let table = find(&root, "table.layers");
    assert_eq!(
        table.get_attribute("data-rows").unwrap_or_default(),
        rows.len().to_string()
    );
    let rendered = root.query_selector_all("tr.row").expect("rows").length() as usize;
    assert!(
        rendered > 10 && rendered < rows.len() / 2,
        "{rendered} rows rendered"
    );
    // Rendered rows plus the rows the spacers stand for: the whole table.
    let spacers = root.query_selector_all("tr.spacer").expect("spacers");
    let spaced: f64 = (0..spacers.length())
        .filter_map(|i| spacers.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .map(|e| e.get_bounding_client_rect().height())
        .sum();
    assert_eq!((spaced / 24.0).round() as usize + rendered, rows.len());
    // The selection from the link is the last row: it is rendered, selected, and its row is in the table's view.
    let selected = find(&root, "tr.row.selected");
    assert_eq!(
        selected.get_attribute("data-path").as_deref(),
        Some(last.as_str())
    );
    let (wrap, row) = (
        find(&root, ".layers-wrap").get_bounding_client_rect(),
        selected.get_bounding_client_rect(),
    );
    assert!(
        row.top() >= wrap.top() && row.bottom() <= wrap.bottom(),
        "row out of view"
    );
    unmount(handle, root).await;
}

#[wasm_bindgen_test]
async fn a_truncated_link_shows_a_message_and_opens_the_valid_prefix() {
    let full = link("resnet18");
    let (handle, root) = mount(&full[..full.len() / 2]).await;
    let notice = find(&root, ".notice.error")
        .text_content()
        .unwrap_or_default();
    assert!(notice.contains("could not be read"), "{notice}");
    assert!(root.query_selector_all("tr.row").expect("rows").length() > 4);
    unmount(handle, root).await;
}

#[wasm_bindgen_test]
async fn an_oversized_or_empty_link_opens_the_default_with_a_message() {
    let huge = format!("arch=v1/3x8x8/{}", "relu/".repeat(30_000));
    let (handle, root) = mount(&huge).await;
    let notice = find(&root, ".notice.error")
        .text_content()
        .unwrap_or_default();
    assert!(notice.contains("refused"), "{notice}");
    assert!(data(&root, "data-params").parse::<u64>().unwrap_or(0) > 1_000_000);
    unmount(handle, root).await;

    let (handle, root) = mount("batch=4&dtype=fp16").await;
    let notice = find(&root, ".notice.error")
        .text_content()
        .unwrap_or_default();
    assert!(notice.contains("no architecture"), "{notice}");
    unmount(handle, root).await;
}

#[wasm_bindgen_test]
async fn an_impossible_layer_shows_its_message_and_the_rest_computes() {
    // A 7×7 kernel without padding on a 4×4 map cannot run; the conv before it still computes.
    let (handle, root) = mount("arch=v1/3x8x8/conv(8,3,s2,p1)/relu/conv(16,7)/relu").await;
    let bad = find(&root, "tr.row.bad").text_content().unwrap_or_default();
    assert!(bad.contains("Conv2d"), "{bad}");
    assert_eq!(
        root.query_selector_all("tr.row.skipped")
            .expect("rows")
            .length(),
        1
    );
    assert!(data(&root, "data-macs").parse::<u64>().unwrap_or(0) > 0);
    assert_eq!(data(&root, "data-diagnostics"), "2");
    unmount(handle, root).await;
}

#[wasm_bindgen_test]
async fn the_text_view_keeps_the_last_valid_network_on_a_parse_error() {
    let (handle, root) = mount(&link("simple_cnn")).await;
    let params = data(&root, "data-params");
    let area: web_sys::HtmlTextAreaElement = find(&root, "#spec").dyn_into().expect("textarea");
    area.set_value("v1/1x28x28/conv(4,3,s2,p1)/reluu");
    area.dispatch_event(&bubbling("input")).expect("input");
    sleep(50).await;
    let error = find(&root, "#spec-error")
        .text_content()
        .unwrap_or_default();
    assert!(error.contains("at character"), "{error}");
    assert_eq!(data(&root, "data-params"), params);

    area.set_value("v1/1x28x28/conv(4,3,s2,p1)/relu");
    area.dispatch_event(&bubbling("input")).expect("input");
    sleep(50).await;
    assert!(root.query_selector("#spec-error").ok().flatten().is_none());
    assert_eq!(data(&root, "data-params"), "40");
    unmount(handle, root).await;
}

#[wasm_bindgen_test]
fn opening_fragments() {
    let opened = url::open("");
    assert_eq!(opened.doc, url::default_state());
    assert!(opened.notice.is_none());
    let opened = url::open(&format!(
        "#{}&sel=layer1.0&dtype=fp99&per=stage&metric=teraflops",
        link("resnet18")
    ));
    assert_eq!(opened.selected.as_deref(), Some("layer1.0"));
    let escaped = url::open(&format!("#{}&sel=layer1%2E0", link("resnet18")));
    assert_eq!(escaped.selected.as_deref(), Some("layer1.0"));
    assert_eq!(opened.charts.grouping, convscope::charts::Grouping::Stage);
    assert!(opened
        .notice
        .is_some_and(|n| !n.error && n.text.contains("fp99") && n.text.contains("teraflops")));
    assert_eq!(
        opened.doc.arch,
        presets::find("resnet18")
            .and_then(|p| p.architecture().ok())
            .expect("arch")
    );
}

// ───────────── Charts (src/ui/charts_panel.rs, src/ui/chart_canvas.rs) ─────────────

/// Adds the app's stylesheet to the page once: the table's scroll box and row height and the charts' sizes come
/// from it.
fn app_style() {
    if document().get_element_by_id("app-style").is_none() {
        let style = document().create_element("style").expect("style");
        style.set_id("app-style");
        style.set_text_content(Some(include_str!("../static/style.css")));
        document()
            .head()
            .expect("head")
            .append_child(&style)
            .expect("append");
    }
}

/// Scrolls each chart into view in turn: a chart out of view paints once it comes into view.
async fn view_charts(root: &Element) {
    let list = root
        .query_selector_all("canvas.chart-canvas")
        .expect("canvases");
    for i in 0..list.length() {
        if let Some(e) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
            e.scroll_into_view();
            sleep(60).await;
        }
    }
}

/// Per chart canvas, in page order: its `data-chart`, the share of its pixels that differ from the top-left
/// (background) pixel, and a checksum of all its pixels.
fn chart_pixels(root: &Element) -> Vec<(String, f64, u64)> {
    use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
    let list = root
        .query_selector_all("canvas.chart-canvas")
        .expect("canvases");
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| {
            let canvas: HtmlCanvasElement = n.dyn_into().expect("a canvas");
            let ctx: CanvasRenderingContext2d = canvas
                .get_context("2d")
                .expect("context")
                .expect("2d")
                .dyn_into()
                .expect("2d context");
            let (w, h) = (canvas.width(), canvas.height());
            let data = ctx
                .get_image_data(0.0, 0.0, w as f64, h as f64)
                .expect("pixels")
                .data();
            let bg = (data[0], data[1], data[2]);
            let mut inked = 0usize;
            let mut sum = 0u64;
            for px in data.chunks_exact(4) {
                if (px[0], px[1], px[2]) != bg {
                    inked += 1;
                }
                sum = sum
                    .wrapping_mul(31)
                    .wrapping_add(u64::from(px[0]) + 7 * u64::from(px[1]) + 13 * u64::from(px[2]));
            }
            let share = inked as f64 / (data.len() / 4).max(1) as f64;
            (
                canvas.get_attribute("data-chart").unwrap_or_default(),
                share,
                sum,
            )
        })
        .collect()
}

#[wasm_bindgen_test]
async fn the_four_charts_are_painted_and_a_slider_repaints_them() {
    app_style();
    let (handle, root) = mount(&link("resnet18")).await;
    view_charts(&root).await;
    let before = chart_pixels(&root);
    let kinds: Vec<&str> = before.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(kinds, ["compute", "rf", "tradeoff", "roofline"]);
    for (kind, inked, _) in &before {
        assert!(*inked > 0.02, "{kind}: {:.1}% drawn", inked * 100.0);
    }

    // The input size changes every chart: costs, fields, grids, intensities.
    let slider: HtmlInputElement = find(&root, "#in-hw").dyn_into().expect("a range input");
    let index: u32 = slider.value().parse().expect("index");
    slider.set_value(&(index - 8).to_string());
    slider.dispatch_event(&bubbling("input")).expect("input");
    slider.dispatch_event(&bubbling("change")).expect("change");
    sleep(100).await;
    view_charts(&root).await;
    let after = chart_pixels(&root);
    for ((kind, _, a), (_, inked, b)) in before.iter().zip(&after) {
        assert_ne!(a, b, "{kind} repainted");
        assert!(*inked > 0.02, "{kind} still drawn");
    }
    let performance = web_sys::window()
        .and_then(|w| w.performance())
        .expect("performance");
    assert!(
        performance
            .get_entries_by_name("convscope:chart:roofline")
            .length()
            >= 2
    );
    unmount(handle, root).await;
}

#[wasm_bindgen_test]
async fn clicking_a_bar_selects_its_layer_in_the_table() {
    app_style();
    let (handle, root) = mount(&link("resnet18")).await;
    sleep(50).await;
    assert!(root
        .query_selector("tr.row.selected")
        .ok()
        .flatten()
        .is_none());
    let canvas = find(&root, "canvas[data-chart=compute]");
    canvas.scroll_into_view();
    sleep(60).await;
    let before = chart_pixels(&root)[0].2;
    let rect = canvas.get_bounding_client_rect();
    let init = web_sys::MouseEventInit::new();
    init.set_bubbles(true);
    // Every column of the plot answers for its bar; the middle of the chart is inside the plot.
    init.set_client_x((rect.left() + rect.width() * 0.5) as i32);
    init.set_client_y((rect.top() + rect.height() * 0.6) as i32);
    let click = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).expect("click");
    canvas.dispatch_event(&click).expect("dispatch");
    sleep(100).await;

    let tip = find(&root, ".chart-tip-label")
        .text_content()
        .unwrap_or_default();
    canvas.scroll_into_view();
    sleep(60).await;
    let selected = find(&root, "tr.row.selected");
    let path = selected.get_attribute("data-path").unwrap_or_default();
    assert!(!path.is_empty());
    assert!(
        tip.split_whitespace().any(|w| w == path),
        "tooltip {tip:?} names {path}"
    );
    // The link follows (URL writes are debounced).
    let want = format!("sel={path}");
    for _ in 0..20 {
        if url::read_hash().contains(&want) {
            break;
        }
        sleep(50).await;
    }
    assert!(url::read_hash().contains(&want), "{}", url::read_hash());
    assert_ne!(
        chart_pixels(&root)[0].2,
        before,
        "the selection is highlighted"
    );
    unmount(handle, root).await;
}

/// The page and the chart worker talk in strings (src/ui/chart_message.rs): every field comes back as sent,
/// including a link with any characters in the last field, and nothing else reads as a message.
#[wasm_bindgen_test]
fn chart_worker_messages_round_trip() {
    use convscope::charts::ChartKind;
    use convscope::ui::chart_message::{DrawnMessage, PaintMessage};
    let paint = PaintMessage {
        kind: ChartKind::Tradeoff,
        size: (401, 233),
        dpr: 1.25,
        dark: true,
        highlight: Some(17),
        counted: true,
        link: Some("arch=2x3x97x131/a:conv(8,3)&sel=a\nodd\tbut kept".to_string()),
    };
    assert_eq!(PaintMessage::decode(&paint.encode()), Some(paint.clone()));
    let same_link = PaintMessage {
        link: None,
        highlight: None,
        dark: false,
        ..paint
    };
    assert_eq!(PaintMessage::decode(&same_link.encode()), Some(same_link));
    let drawn = DrawnMessage {
        kind: ChartKind::Roofline,
        counted: false,
        error: Some("no canvas".to_string()),
        measures: vec![
            (
                "convscope:chart:roofline".to_string(),
                1_764_000_000_123.456_7,
                3.25,
            ),
            ("convscope:whatif".to_string(), 1_764_000_000_124.1, 0.5),
        ],
    };
    assert_eq!(DrawnMessage::decode(&drawn.encode()), Some(drawn.clone()));
    let clean = DrawnMessage {
        error: None,
        measures: Vec::new(),
        ..drawn
    };
    assert_eq!(DrawnMessage::decode(&clean.encode()), Some(clean));
    for other in [
        "",
        "ready",
        "paint\ncompute",
        "paint\nbars\n1\n1\n1\n0\n-\n0\n=",
        "drawn\nrf",
    ] {
        assert_eq!(PaintMessage::decode(other), None, "{other:?}");
        assert_eq!(DrawnMessage::decode(other), None, "{other:?}");
    }
}

/// A file as the browser's file picker or a drop would hand it over.
fn file(name: &str, bytes: &[u8]) -> web_sys::File {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    web_sys::File::new_with_u8_array_sequence(&parts, name).expect("file")
}

fn transfer(f: &web_sys::File) -> web_sys::DataTransfer {
    let dt = web_sys::DataTransfer::new().expect("DataTransfer");
    dt.items().add_with_file(f).expect("add file");
    dt
}

/// Waits (up to 5 s) until the totals show `params` parameters: reading a file is asynchronous.
async fn until_params(root: &Element, params: &str) {
    for _ in 0..50 {
        if data(root, "data-params") == params {
            return;
        }
        sleep(100).await;
    }
    assert_eq!(data(root, "data-params"), params);
}

#[wasm_bindgen_test]
async fn an_onnx_file_opens_through_the_picker_and_a_drop() {
    let (handle, root) = mount(&link("resnet18")).await;

    // The picker: torchvision's resnet50 exported without weights; 25,557,032 parameters as torchvision publishes.
    let picked = file(
        "resnet50.onnx",
        include_bytes!("fixtures/onnx/resnet50.onnx"),
    );
    let input: HtmlInputElement = find(&root, "#import-onnx").dyn_into().expect("file input");
    input.set_files(transfer(&picked).files().as_ref());
    input.dispatch_event(&bubbling("change")).expect("change");
    until_params(&root, "25557032").await;
    // Recognised as torchvision's blocks, so the link carries them and the block sliders work. (The URL follows a
    // change a moment later.)
    for _ in 0..30 {
        if url::read_hash().contains("bottleneck(64)") {
            break;
        }
        sleep(100).await;
    }
    assert!(
        url::read_hash().contains("bottleneck(64)"),
        "{}",
        url::read_hash()
    );
    let notice = find(&root, ".notice").text_content().unwrap_or_default();
    assert!(notice.contains("Opened resnet50.onnx"), "{notice}");

    // A drop on the page: fastbook's simple_cnn with its weights (6,722 parameters in its torchinfo fixture).
    let dropped = file(
        "simple_cnn.onnx",
        include_bytes!("fixtures/onnx/simple_cnn_weights.onnx"),
    );
    let init = web_sys::DragEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_data_transfer(Some(&transfer(&dropped)));
    let drop = web_sys::DragEvent::new_with_event_init_dict("drop", &init).expect("drop event");
    find(&root, "#results").dispatch_event(&drop).expect("drop");
    until_params(&root, "6722").await;
    assert!(root.query_selector_all("tr.row").expect("rows").length() >= 10);

    // A file that is not ONNX: a message, and the network stays.
    let bad = file("notes.onnx", b"v1/3x8x8/conv(8,3)");
    input.set_files(transfer(&bad).files().as_ref());
    input.dispatch_event(&bubbling("change")).expect("change");
    sleep(300).await;
    let notice = find(&root, ".notice.error")
        .text_content()
        .unwrap_or_default();
    assert!(notice.contains("Could not open notes.onnx"), "{notice}");
    assert_eq!(data(&root, "data-params"), "6722");
    unmount(handle, root).await;
}
