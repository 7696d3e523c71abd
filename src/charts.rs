//! The charts that answer "where is the computation?", drawn with plotters on any `DrawingBackend`.
//!
//! Every chart is one file with one entry point of the same shape:
//!
//! ```text
//! pub fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, analysis: &Analysis, options: &XxxOptions)
//!     -> Result<ChartLayout, ChartError>
//! ```
//!
//! | chart | file | options | what it shows |
//! |---|---|---|---|
//! | compute by depth | [`compute_chart`] | [`ComputeOptions`] | stacked bars by op kind per layer/block/stage, cumulative share |
//! | receptive field | [`rf_chart`] | [`RfOptions`] | RF size and jump by depth, input size line, where it covers the input |
//! | channel/grid trade-off | [`tradeoff_chart`] | [`TradeoffOptions`] | channels vs grid cells per layer; what-if per stage |
//! | roofline | [`roofline_chart`] | [`RooflineOptions`] | roofs of the device and dtype, one point per layer |
//!
//! # Mounting a chart on a canvas (the UI)
//!
//! ```text
//! let backend = CssCanvas::fit(canvas, css_size, device_pixel_ratio)?; // src/ui/chart_backend.rs
//! let root = backend.into_drawing_area();
//! let layout = charts::compute_chart::draw(root, &analysis, None, &ComputeOptions { highlight: selected, ..opts })?;
//! // keep `layout`; on pointer move/click (in canvas pixels, i.e. CSS pixels × the canvas' scale):
//! if let Some(t) = layout.hit(x, y) { show_tooltip(&t.label, &t.detail); select(t.row) }
//! ```
//!
//! - `draw` fills the whole area with the theme's background, so it also clears the previous frame.
//! - Coordinates in [`ChartLayout`] are the backend's pixels (the app's backend draws in CSS pixels, whatever the
//!   pixel ratio): scale the pointer position by the drawn width over the canvas' current CSS width.
//! - `highlight: Some(row)` outlines that row's bar or point (and the block or stage holding it); clicking gives
//!   back [`HitTarget::row`], the first row of the mark. What-if bars have `row: None`.
//! - The trade-off chart's what-if panel needs the two transformed networks analysed: pass
//!   `core::whatif::compare(&arch, &analysis_options)` as [`TradeoffOptions::whatif`] (memoise it with the
//!   analysis; it costs two more analyses).
//! - Text sizes follow the area: under 560 px wide the charts switch to a compact layout (phones).
//! - Natively, `plotters::prelude::SVGBackend::with_string(&mut s, (w, h))` gives the same chart as SVG; that is
//!   what `convscope chart` and the tests use. SVG text is plain `<text>` (no font files needed).
//!
//! Drawing never panics on odd analyses: rows without numbers leave an empty slot (marked red when they have a
//! diagnostic), zero or negative values on log axes are left out, and an empty analysis draws an empty frame.

pub mod axis;
pub mod compute_chart;
pub mod group;
pub mod hit;
pub mod legend;
pub mod marks;
pub mod metric;
pub mod palette;
pub mod rf_chart;
pub mod roofline_chart;
pub mod tradeoff_chart;
pub mod view;

use std::fmt;

use plotters::drawing::DrawingAreaErrorKind;

pub use compute_chart::ComputeOptions;
pub use group::Grouping;
pub use hit::{ChartLayout, HitShape, HitTarget, PixelRect};
pub use metric::Metric;
pub use palette::{Palette, Theme};
pub use rf_chart::RfOptions;
pub use roofline_chart::RooflineOptions;
pub use tradeoff_chart::TradeoffOptions;
pub use view::ChartView;

/// Which chart: the command line's `convscope chart <kind>` and the UI's tabs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    Compute,
    ReceptiveField,
    Tradeoff,
    Roofline,
}

impl ChartKind {
    /// All charts, in tab order.
    pub const ALL: [ChartKind; 4] = [
        ChartKind::Compute,
        ChartKind::ReceptiveField,
        ChartKind::Tradeoff,
        ChartKind::Roofline,
    ];

    /// Stable name: `compute`, `rf`, `tradeoff`, `roofline`.
    pub fn key(self) -> &'static str {
        match self {
            ChartKind::Compute => "compute",
            ChartKind::ReceptiveField => "rf",
            ChartKind::Tradeoff => "tradeoff",
            ChartKind::Roofline => "roofline",
        }
    }

    /// Parses a [`ChartKind::key`].
    pub fn from_key(s: &str) -> Option<ChartKind> {
        ChartKind::ALL.into_iter().find(|k| k.key() == s)
    }

    /// Tab title.
    pub fn title(self) -> &'static str {
        match self {
            ChartKind::Compute => "Compute by depth",
            ChartKind::ReceptiveField => "Receptive field",
            ChartKind::Tradeoff => "Channels vs grid",
            ChartKind::Roofline => "Roofline",
        }
    }
}

/// A chart could not be drawn: the backend failed (a detached canvas, a full string buffer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartError(pub String);

impl fmt::Display for ChartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "drawing the chart failed: {}", self.0)
    }
}

impl std::error::Error for ChartError {}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> ChartError {
        ChartError(e.to_string())
    }
}

/// Draws one chart to an SVG string of `width × height` pixels, with each chart's own options taken from `all`.
#[cfg(not(target_arch = "wasm32"))]
pub fn svg(
    kind: ChartKind,
    analysis: &crate::core::analysis::Analysis,
    all: &AllOptions<'_>,
    (width, height): (u32, u32),
) -> Result<(String, ChartLayout), ChartError> {
    use plotters::prelude::{IntoDrawingArea, SVGBackend};
    let mut out = String::new();
    let layout = {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        let layout = match kind {
            ChartKind::Compute => {
                compute_chart::draw(root.clone(), analysis, all.base, &all.compute)?
            }
            ChartKind::ReceptiveField => rf_chart::draw(root.clone(), analysis, all.base, &all.rf)?,
            ChartKind::Tradeoff => {
                let options = TradeoffOptions {
                    base: all.base,
                    ..all.tradeoff
                };
                tradeoff_chart::draw(root.clone(), analysis, &options)?
            }
            ChartKind::Roofline => {
                roofline_chart::draw(root.clone(), analysis, all.base, &all.roofline)?
            }
        };
        root.present()?;
        layout
    };
    Ok((out, layout))
}

/// The options of all four charts together (what the command line and the UI's chart panel hold).
#[derive(Clone, Debug, Default)]
pub struct AllOptions<'a> {
    pub compute: ComputeOptions,
    pub rf: RfOptions,
    pub tradeoff: TradeoffOptions<'a>,
    pub roofline: RooflineOptions,
    /// A baseline drawn beside the network in every chart (the trade-off chart reads `tradeoff.base`).
    pub base: Option<&'a crate::core::analysis::Analysis>,
}

impl AllOptions<'_> {
    /// The same theme and highlighted row on every chart.
    pub fn set_common(&mut self, theme: Theme, highlight: Option<usize>) {
        self.compute.theme = theme;
        self.compute.highlight = highlight;
        self.rf.theme = theme;
        self.rf.highlight = highlight;
        self.tradeoff.theme = theme;
        self.tradeoff.highlight = highlight;
        self.roofline.theme = theme;
        self.roofline.highlight = highlight;
    }
}
