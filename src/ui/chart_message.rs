//! The messages between the page and the chart worker (src/ui/chart_worker.rs, chart_worker_scope.rs), written
//! as one string each: a string crosses to the other thread with one copy, where an object costs a call into
//! JavaScript per field on both sides and a structured clone (measured: half of the page's cost of sending a
//! paint was building and cloning the object). Fields are lines; the last field may hold anything.

use wasm_bindgen::JsValue;

use crate::charts::ChartKind;

/// A chart paint the page asks of the worker.
#[derive(Clone, Debug, PartialEq)]
pub struct PaintMessage {
    pub kind: ChartKind,
    /// The canvas' CSS box.
    pub size: (u32, u32),
    pub dpr: f64,
    pub dark: bool,
    pub highlight: Option<usize>,
    /// Whether the page's pending update waits for this paint (echoed back).
    pub counted: bool,
    /// The network and chart switches as a link's fragment; `None`: the same as the previous paint's.
    pub link: Option<String>,
}

/// What the worker answers a paint: the measures it took, `(name, start in ms since the epoch, duration)`.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawnMessage {
    pub kind: ChartKind,
    pub counted: bool,
    pub error: Option<String>,
    pub measures: Vec<(String, f64, f64)>,
}

/// The worker's first message: it serves paints from now on.
pub const READY: &str = "ready";
const PAINT: &str = "paint";
const DRAWN: &str = "drawn";
/// The link field of a paint whose link is the previous one's.
const SAME: &str = "=";

impl PaintMessage {
    pub fn encode(&self) -> String {
        let highlight = self.highlight.map_or("-".to_string(), |h| h.to_string());
        format!(
            "{PAINT}\n{}\n{}\n{}\n{}\n{}\n{highlight}\n{}\n{}",
            self.kind.key(),
            self.size.0,
            self.size.1,
            self.dpr,
            u8::from(self.dark),
            u8::from(self.counted),
            self.link.as_deref().unwrap_or(SAME)
        )
    }

    /// `None` for anything that is not a paint message.
    pub fn decode(s: &str) -> Option<PaintMessage> {
        let mut f = s.splitn(9, '\n');
        if f.next()? != PAINT {
            return None;
        }
        let kind = ChartKind::from_key(f.next()?)?;
        let size = (f.next()?.parse().ok()?, f.next()?.parse().ok()?);
        let dpr = f.next()?.parse().ok()?;
        let dark = f.next()? == "1";
        let highlight = f.next()?.parse().ok();
        let counted = f.next()? == "1";
        let link = Some(f.next()?).filter(|l| *l != SAME).map(str::to_string);
        Some(PaintMessage {
            kind,
            size,
            dpr,
            dark,
            highlight,
            counted,
            link,
        })
    }
}

impl DrawnMessage {
    pub fn encode(&self) -> String {
        let mut s = format!(
            "{DRAWN}\n{}\n{}\n{}",
            self.kind.key(),
            u8::from(self.counted),
            self.error.as_deref().unwrap_or("").replace('\n', " ")
        );
        for (name, start, duration) in &self.measures {
            s.push_str(&format!(
                "\n{}\t{start}\t{duration}",
                name.replace(['\n', '\t'], " ")
            ));
        }
        s
    }

    /// `None` for anything that is not a drawn message.
    pub fn decode(s: &str) -> Option<DrawnMessage> {
        let mut f = s.split('\n');
        if f.next()? != DRAWN {
            return None;
        }
        let kind = ChartKind::from_key(f.next()?)?;
        let counted = f.next()? == "1";
        let error = Some(f.next()?)
            .filter(|e| !e.is_empty())
            .map(str::to_string);
        let measures = f
            .filter_map(|line| {
                let mut m = line.split('\t');
                Some((
                    m.next()?.to_string(),
                    m.next()?.parse().ok()?,
                    m.next()?.parse().ok()?,
                ))
            })
            .collect();
        Some(DrawnMessage {
            kind,
            counted,
            error,
            measures,
        })
    }
}

/// A field of the two messages that are objects, not strings: the page's first message (the glue's address and
/// the module) and a canvas handed over (which must travel as a transferable object); `undefined` if missing.
pub fn field(message: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(message, &key.into()).unwrap_or(JsValue::UNDEFINED)
}
