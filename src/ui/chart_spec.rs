//! What a chart canvas draws: which chart with which options ([`ChartSpec`]), from which network
//! ([`ChartSource`]). Both the page and the chart worker (src/ui/chart_worker_scope.rs) build them the same way, so
//! the worker draws exactly what the page would.

use std::cell::OnceCell;
use std::rc::Rc;

use plotters::prelude::*;

use crate::charts::{
    compute_chart, rf_chart, roofline_chart, tradeoff_chart, ChartError, ChartKind, ChartLayout,
    ChartView, ComputeOptions, Metric, RfOptions, RooflineOptions, Theme, TradeoffOptions,
};
use crate::core::analysis::Analysis;
use crate::core::fragment::{self, State};
use crate::core::whatif::{self, Comparison};
use crate::ui::chart_backend::CssCanvas;
use crate::ui::perf::Span;

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

/// Each row's measured time, and the `meas=` value that carries them in a link (the page's; the worker, which
/// read them from a link, needs none).
pub type MeasuredRows = (Vec<Option<f64>>, Option<Rc<str>>);

/// The network the charts draw, with what some of them need besides its analysis, each derived on first use:
/// the what-if (two more analyses, only while the trade-off chart shows it) and the link a chart worker opens.
pub struct ChartSource {
    pub analysis: Rc<Analysis>,
    /// A pinned baseline, analysed once when pinned, and its state (for the link).
    pub base: Option<(Rc<Analysis>, Rc<State>)>,
    /// Each row's measured time while a measurement is loaded, and its `meas=` value for the worker's link.
    measured: Option<MeasuredRows>,
    doc: State,
    view: ChartView,
    whatif: OnceCell<Comparison>,
    link: OnceCell<String>,
}

impl ChartSource {
    pub fn new(
        analysis: Rc<Analysis>,
        doc: State,
        view: ChartView,
        base: Option<(Rc<Analysis>, Rc<State>)>,
        measured: Option<MeasuredRows>,
    ) -> ChartSource {
        ChartSource {
            analysis,
            base,
            measured,
            doc,
            view,
            whatif: OnceCell::new(),
            link: OnceCell::new(),
        }
    }

    /// The charts' switches.
    pub fn view(&self) -> &ChartView {
        &self.view
    }

    /// The network kept constant and doubled at each stride-2 stage (chapter 13's what-if).
    pub fn whatif(&self) -> &Comparison {
        self.whatif.get_or_init(|| {
            let _measure = Span::new("convscope:whatif");
            whatif::compare(&self.doc.arch, &self.analysis.options)
        })
    }

    /// The network and the charts' switches as a link's fragment: what a chart worker needs to draw them.
    pub fn link(&self) -> &str {
        self.link.get_or_init(|| {
            let base = self.base.as_ref().map(|(_, s)| &**s);
            let mut s = fragment::encode_with_base(&self.doc, base);
            s.push_str(&self.view.encode());
            if let Some(v) = self.measured.as_ref().and_then(|(_, v)| v.as_deref()) {
                s.push_str("&meas=");
                s.push_str(v);
            }
            s
        })
    }

    /// Each row's measured time, while a measurement is loaded.
    pub fn measured(&self) -> Option<&[Option<f64>]> {
        self.measured.as_ref().map(|(rows, _)| rows.as_slice())
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
        /// Show the what-if per stage.
        whatif: bool,
    },
    Roofline(RooflineOptions),
}

impl ChartSpec {
    /// The chart `kind` as the switches of `view` set it, in `theme`, with row `highlight` outlined.
    pub fn new(
        kind: ChartKind,
        view: &ChartView,
        theme: Theme,
        highlight: Option<usize>,
    ) -> ChartSpec {
        match kind {
            ChartKind::Compute => ChartSpec::Compute(ComputeOptions {
                metric: view.metric,
                grouping: view.grouping,
                cumulative: view.cumulative,
                theme,
                highlight,
            }),
            ChartKind::ReceptiveField => ChartSpec::Rf(RfOptions {
                log: view.rf_log,
                theme,
                highlight,
            }),
            ChartKind::Tradeoff => ChartSpec::Tradeoff {
                metric: view.trade_metric,
                theme,
                highlight,
                whatif: view.whatif,
            },
            ChartKind::Roofline => ChartSpec::Roofline(RooflineOptions { theme, highlight }),
        }
    }

    /// The chart this draws.
    pub fn kind(&self) -> ChartKind {
        match self {
            ChartSpec::Compute(_) => ChartKind::Compute,
            ChartSpec::Rf(_) => ChartKind::ReceptiveField,
            ChartSpec::Tradeoff { .. } => ChartKind::Tradeoff,
            ChartSpec::Roofline(_) => ChartKind::Roofline,
        }
    }

    /// The theme it is drawn in.
    pub fn theme(&self) -> Theme {
        match self {
            ChartSpec::Compute(o) => o.theme,
            ChartSpec::Rf(o) => o.theme,
            ChartSpec::Tradeoff { theme, .. } => *theme,
            ChartSpec::Roofline(o) => o.theme,
        }
    }

    /// The outlined row.
    pub fn highlight(&self) -> Option<usize> {
        match self {
            ChartSpec::Compute(o) => o.highlight,
            ChartSpec::Rf(o) => o.highlight,
            ChartSpec::Tradeoff { highlight, .. } => *highlight,
            ChartSpec::Roofline(o) => o.highlight,
        }
    }

    /// Draws the chart of `source` on the whole of `backend` and presents it.
    pub fn draw_on(
        &self,
        backend: CssCanvas,
        source: &ChartSource,
    ) -> Result<ChartLayout, ChartError> {
        let root = backend.into_drawing_area();
        let layout = self.draw(root.clone(), source)?;
        root.present()?;
        Ok(layout)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: DrawingArea<DB, plotters::coord::Shift>,
        source: &ChartSource,
    ) -> Result<ChartLayout, ChartError> {
        let analysis = &source.analysis;
        let base = source.base.as_ref().map(|(a, _)| &**a);
        match self {
            ChartSpec::Compute(o) => {
                compute_chart::draw_measured(root, analysis, base, source.measured(), o)
            }
            ChartSpec::Rf(o) => rf_chart::draw(root, analysis, base, o),
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
                    whatif: whatif.then(|| source.whatif()),
                    base,
                };
                tradeoff_chart::draw(root, analysis, &options)
            }
            ChartSpec::Roofline(o) => roofline_chart::draw(root, analysis, base, o),
        }
    }
}
