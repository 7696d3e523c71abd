//! Where the charts of `src/charts` are mounted (issue 4): one canvas per chart, repainted from the analysis,
//! highlighting the selected row. Empty until the charts land; the panel hides itself while empty.

use std::rc::Rc;

use yew::prelude::*;

use crate::core::analysis::Analysis;

/// Properties of [`ChartsPanel`].
#[derive(Properties, PartialEq)]
pub struct ChartsPanelProps {
    pub analysis: Rc<Analysis>,
    /// The selected row's path, to highlight in the charts.
    pub selected: Option<String>,
}

/// The charts area.
#[function_component(ChartsPanel)]
pub fn charts_panel(_p: &ChartsPanelProps) -> Html {
    html! { <section class="charts-panel" id="charts" aria-label="Charts"></section> }
}
