//! Input size, batch, dtype, device and the global width multiplier.

use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::core::action::Action;
use crate::core::arch::Input;
use crate::core::device::Device;
use crate::core::limits::{MAX_BATCH, MAX_CHANNELS, MAX_SPATIAL};
use crate::core::shape::Dtype;
use crate::ui::perf;
use crate::ui::slider::{ladders, Slider};
use crate::ui::state::{AppHandle, Gesture, UiAction};

fn select_value(e: &Event) -> Option<String> {
    e.target()
        .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
        .map(|s| s.value())
}

/// `(peak TFLOP/s, bandwidth GB/s)` of a custom device key (read by the one device parser, `Device::find`).
fn custom_numbers(key: &str) -> Option<(f64, f64)> {
    let d = Device::find(key).filter(|d| d.key == "custom")?;
    Some((d.peak[0] / 1e12, d.bandwidth / 1e9))
}

/// The custom device `key` with a new peak or bandwidth; its SM count and floor, if given, are kept.
fn custom_with(key: &str, peak_tflops: f64, bandwidth_gbs: f64) -> Option<String> {
    let mut d = Device::find(key).filter(|d| d.key == "custom")?;
    let base = Device::custom(peak_tflops * 1e12, bandwidth_gbs * 1e9);
    (d.peak, d.sustained, d.bandwidth) = (base.peak, base.sustained, base.bandwidth);
    Some(d.link_key())
}

/// The settings card.
#[function_component(SettingsPanel)]
pub fn settings_panel() -> Html {
    let app = use_context::<AppHandle>();
    let lock = use_state(|| true);
    let devices = use_memo((), |_| Device::presets());
    let Some(app) = app else {
        return html! {};
    };
    let input = app.doc.arch.input;
    let locked = *lock && input.h == input.w;
    let edit = |app: &AppHandle, f: fn(f64, Input) -> Action| {
        let app = app.clone();
        Callback::from(move |(v, g): (f64, Gesture)| {
            let a = f(v, app.doc.arch.input);
            perf::send(&app, UiAction::Edit(a, g));
        })
    };
    let on_end = {
        let app = app.clone();
        Callback::from(move |_| app.dispatch(UiAction::EndGesture))
    };
    let on_c = edit(&app, |v, i| Action::SetInput(Input { c: v as u64, ..i }));
    let on_hw = edit(&app, |v, i| {
        Action::SetInput(Input {
            h: v as u64,
            w: v as u64,
            ..i
        })
    });
    let on_h = edit(&app, |v, i| Action::SetInput(Input { h: v as u64, ..i }));
    let on_w = edit(&app, |v, i| Action::SetInput(Input { w: v as u64, ..i }));
    let on_batch = edit(&app, |v, _| Action::SetBatch(v as u64));
    let on_lock = {
        let (lock, app) = (lock.clone(), app.clone());
        Callback::from(move |e: Event| {
            let on = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .is_some_and(|i| i.checked());
            lock.set(on);
            let i = app.doc.arch.input;
            if on && i.h != i.w {
                perf::send(
                    &app,
                    UiAction::Edit(Action::SetInput(Input { w: i.h, ..i }), Gesture::Commit),
                );
            }
        })
    };
    let on_dtype = {
        let app = app.clone();
        Callback::from(move |e: Event| {
            if let Some(d) = select_value(&e).and_then(|v| Dtype::from_name(&v)) {
                perf::send(&app, UiAction::Edit(Action::SetDtype(d), Gesture::Commit));
            }
        })
    };
    let on_device = {
        let app = app.clone();
        Callback::from(move |e: Event| {
            if let Some(mut key) = select_value(&e) {
                if key == "custom" {
                    key = "custom:10:500".into();
                }
                perf::send(
                    &app,
                    UiAction::Edit(Action::SetDevice(key), Gesture::Commit),
                );
            }
        })
    };
    let on_fused = {
        let app = app.clone();
        Callback::from(move |e: Event| {
            let on = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .is_some_and(|i| i.checked());
            perf::send(&app, UiAction::Edit(Action::SetFused(on), Gesture::Commit));
        })
    };
    let custom = custom_numbers(&app.doc.device);
    let on_custom = |which: usize| {
        let app = app.clone();
        Callback::from(move |e: Event| {
            let v = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .and_then(|i| i.value().parse::<f64>().ok());
            let current = &app.doc.device;
            if let (Some(v), Some((p, b))) = (v, custom_numbers(current)) {
                let (p, b) = if which == 0 { (v, b) } else { (p, v) };
                let Some(key) = custom_with(current, p, b) else {
                    return;
                };
                perf::send(
                    &app,
                    UiAction::Edit(Action::SetDevice(key), Gesture::Commit),
                );
            }
        })
    };
    let on_width = {
        let app = app.clone();
        Callback::from(move |(v, g): (f64, Gesture)| perf::send(&app, UiAction::Width(v, g)))
    };
    let device_key = if custom.is_some() {
        "custom".to_string()
    } else {
        app.doc.device.clone()
    };
    let max_c = MAX_CHANNELS as f64;
    let max_s = MAX_SPATIAL as f64;
    html! {
        <section class="card settings" aria-labelledby="settings-h">
            <h2 id="settings-h">{ "Input and device" }</h2>
            <div class="grid2">
                <Slider id="in-c" label="Channels" value={input.c as f64} ladder={ladders::channels()}
                    bounds={(1.0, max_c)} on_value={on_c} on_end={on_end.clone()} />
                if locked {
                    <Slider id="in-hw" label="Height = width" value={input.h as f64} ladder={ladders::spatial()}
                        bounds={(1.0, max_s)} unit="px" on_value={on_hw} on_end={on_end.clone()} />
                } else {
                    <Slider id="in-h" label="Height" value={input.h as f64} ladder={ladders::spatial()}
                        bounds={(1.0, max_s)} unit="px" on_value={on_h} on_end={on_end.clone()} />
                    <Slider id="in-w" label="Width" value={input.w as f64} ladder={ladders::spatial()}
                        bounds={(1.0, max_s)} unit="px" on_value={on_w} on_end={on_end.clone()} />
                }
                <label class="check">
                    <input type="checkbox" id="lock-hw" checked={locked} onchange={on_lock} />
                    { "Lock height = width" }
                </label>
                <Slider id="batch" label="Batch" value={app.doc.batch as f64} ladder={ladders::batch()}
                    bounds={(1.0, MAX_BATCH as f64)} on_value={on_batch} on_end={on_end.clone()} />
                <div class="field">
                    <label for="dtype">{ "Data type" }</label>
                    <select id="dtype" onchange={on_dtype}>
                        { for Dtype::ALL.iter().map(|d| html! {
                            <option value={d.name()} selected={*d == app.doc.dtype}>{ d.name() }</option>
                        }) }
                    </select>
                </div>
                <div class="field">
                    <label for="device">{ "Device" }</label>
                    <select id="device" onchange={on_device}>
                        { for devices.iter().map(|d| html! {
                            <option value={d.key.clone()} selected={d.key == device_key} title={d.source}>
                                { d.name.clone() }
                            </option>
                        }) }
                        <option value="custom" selected={custom.is_some()}>{ "Custom…" }</option>
                        // A device calibrated to a measurement (src/ui/measured_panel.rs) is no preset.
                        if let Some(d) = Device::find(&app.doc.device).filter(|d| d.key.starts_with("cal:")) {
                            <option value={d.key.clone()} selected=true title={d.key.clone()}>{ d.name.clone() }</option>
                        }
                    </select>
                </div>
                <label class="check" title="Fold batch norm and activations into the preceding convolution's kernel, as TensorRT and torch.compile do">
                    <input type="checkbox" id="fused" checked={app.doc.fused} onchange={on_fused} />
                    { "fused kernels (inference engine)" }
                </label>
                if let Some((peak, bw)) = custom {
                    <div class="field">
                        <label for="custom-peak">{ "Peak TFLOP/s" }</label>
                        <input type="number" id="custom-peak" min="0.001" step="any" value={peak.to_string()}
                            onchange={on_custom(0)} />
                    </div>
                    <div class="field">
                        <label for="custom-bw">{ "Bandwidth GB/s" }</label>
                        <input type="number" id="custom-bw" min="0.001" step="any" value={bw.to_string()}
                            onchange={on_custom(1)} />
                    </div>
                }
                <Slider id="width-mult" label="Width multiplier" value={app.width_factor()}
                    ladder={ladders::width()} bounds={(0.05, 8.0)} decimals={2} unit="×"
                    on_value={on_width} on_end={on_end} />
            </div>
        </section>
    }
}
