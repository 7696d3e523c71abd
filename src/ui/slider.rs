//! One reusable slider: a range input over a ladder of allowed values, its label, and a number box that shows the
//! value and takes an exact one. Dragging reports [`Gesture::Drag`]; releasing ends the gesture; typing a number
//! commits it.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::ui::state::Gesture;

/// Properties of a [`Slider`].
#[derive(Properties, PartialEq, Clone)]
pub struct SliderProps {
    /// Unique element id (labels point at it).
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: f64,
    /// The values the range steps through, ascending.
    pub ladder: Rc<[f64]>,
    /// Smallest and largest value the number box accepts.
    #[prop_or((1.0, 1e6))]
    pub bounds: (f64, f64),
    /// Decimals shown in the number box.
    #[prop_or(0)]
    pub decimals: u8,
    /// Text shown after the number (`×`, `px`).
    #[prop_or_default]
    pub unit: AttrValue,
    pub on_value: Callback<(f64, Gesture)>,
    /// Called when a drag ends.
    pub on_end: Callback<()>,
    #[prop_or_default]
    pub disabled: bool,
}

/// The index of the ladder value nearest to `v`.
fn nearest(ladder: &[f64], v: f64) -> usize {
    ladder
        .iter()
        .enumerate()
        .min_by(|(_, a), (_, b)| {
            (*a - v)
                .abs()
                .partial_cmp(&(*b - v).abs())
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .map_or(0, |(i, _)| i)
}

fn input_value(e: &Event) -> Option<f64> {
    e.target()
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        .and_then(|i| i.value().trim().parse::<f64>().ok())
}

/// A labelled slider with a number box.
#[function_component(Slider)]
pub fn slider(p: &SliderProps) -> Html {
    let index = nearest(&p.ladder, p.value);
    let max = p.ladder.len().saturating_sub(1);
    let shown = format!("{:.*}", p.decimals as usize, p.value);
    let on_range = {
        let (ladder, cb) = (p.ladder.clone(), p.on_value.clone());
        move |e: &Event, gesture: Gesture| {
            if let Some(i) = input_value(e) {
                if let Some(v) = ladder.get(i.max(0.0) as usize) {
                    cb.emit((*v, gesture));
                }
            }
        }
    };
    let oninput = {
        let f = on_range.clone();
        Callback::from(move |e: InputEvent| f(&e, Gesture::Drag))
    };
    let onchange = {
        let end = p.on_end.clone();
        Callback::from(move |_: Event| end.emit(()))
    };
    let onnumber = {
        let (cb, (lo, hi)) = (p.on_value.clone(), p.bounds);
        Callback::from(move |e: Event| {
            if let Some(v) = input_value(&e).filter(|v| v.is_finite()) {
                cb.emit((v.clamp(lo, hi), Gesture::Commit));
            }
        })
    };
    let number_id = format!("{}-n", p.id);
    let step = if p.decimals == 0 {
        "1".to_string()
    } else {
        format!("{}", 10f64.powi(-(p.decimals as i32)))
    };
    html! {
        <div class="slider">
            <label for={p.id.clone()}>{ p.label.clone() }</label>
            <input type="range" id={p.id.clone()} min="0" max={max.to_string()} step="1"
                value={index.to_string()} aria-valuetext={format!("{shown}{}", p.unit)}
                disabled={p.disabled} {oninput} {onchange} />
            <span class="num">
                <input type="number" id={number_id} aria-label={format!("{} value", p.label)}
                    value={shown} min={p.bounds.0.to_string()} max={p.bounds.1.to_string()} step={step}
                    disabled={p.disabled} onchange={onnumber} />
                if !p.unit.is_empty() { <span class="unit">{ p.unit.clone() }</span> }
            </span>
        </div>
    }
}

/// Ladders of slider values.
pub mod ladders {
    use std::rc::Rc;

    /// Channel counts: every value to 16, multiples of 8 to 512, of 32 to 2048, of 128 to 4096.
    pub fn channels() -> Rc<[f64]> {
        let mut v: Vec<f64> = (1..=16).map(|x| x as f64).collect();
        v.extend((3..=64).map(|x| (x * 8) as f64));
        v.extend((17..=64).map(|x| (x * 32) as f64));
        v.extend((17..=32).map(|x| (x * 128) as f64));
        v.into()
    }

    /// Whole numbers `lo..=hi`.
    pub fn range(lo: u64, hi: u64) -> Rc<[f64]> {
        (lo..=hi).map(|x| x as f64).collect::<Vec<_>>().into()
    }

    /// Image sizes: every value to 32, multiples of 8 to 512, of 32 to 2048.
    pub fn spatial() -> Rc<[f64]> {
        let mut v: Vec<f64> = (1..=32).map(|x| x as f64).collect();
        v.extend((5..=64).map(|x| (x * 8) as f64));
        v.extend((17..=64).map(|x| (x * 32) as f64));
        v.into()
    }

    /// Batch sizes: 1 to 16, then powers of two and their 1.5× to 65536.
    pub fn batch() -> Rc<[f64]> {
        let mut v: Vec<f64> = (1..=16).map(|x| x as f64).collect();
        let mut p = 16u64;
        while p < 65536 {
            v.push((p + p / 2) as f64);
            p *= 2;
            v.push(p as f64);
        }
        v.into()
    }

    /// Width multipliers 0.25 to 2 in steps of 0.05.
    pub fn width() -> Rc<[f64]> {
        (5..=40).map(|x| x as f64 * 0.05).collect::<Vec<_>>().into()
    }

    /// Probabilities 0 to 1 in steps of 0.05.
    pub fn probability() -> Rc<[f64]> {
        (0..=20).map(|x| x as f64 * 0.05).collect::<Vec<_>>().into()
    }
}
