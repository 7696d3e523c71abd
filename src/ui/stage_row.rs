//! Subtotals per stage: the layers whose outputs share a grid size (112×112, 56×56, ..., flat), in order of
//! first appearance.

use std::rc::Rc;

use yew::prelude::*;

use crate::core::analysis::Analysis;
use crate::core::report::{bytes, seconds, si, thousands};
use crate::core::shape::Shape;
use crate::ui::table_row::permille;

/// Sums over the rows of one grid size.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Stage {
    pub label: String,
    pub rows: usize,
    pub params: u64,
    pub macs: u64,
    pub activation_bytes: u64,
    pub traffic_bytes: u64,
    pub time_s: f64,
}

/// The stages of an analysis; rows without numbers are left out.
pub fn stages(a: &Analysis) -> Vec<Stage> {
    let mut out: Vec<Stage> = Vec::new();
    for s in a.rows.iter().filter_map(|r| r.stats) {
        let label = match s.output {
            Shape::Map { h, w, .. } => format!("{h}×{w}"),
            Shape::Flat { .. } => "flat".to_string(),
        };
        let i = match out.iter().position(|st| st.label == label) {
            Some(i) => i,
            None => {
                out.push(Stage {
                    label,
                    ..Stage::default()
                });
                out.len() - 1
            }
        };
        let st = &mut out[i];
        st.rows += 1;
        st.params = st.params.saturating_add(s.params);
        st.macs = st.macs.saturating_add(s.macs);
        st.activation_bytes = st.activation_bytes.saturating_add(s.activation_bytes);
        st.traffic_bytes = st.traffic_bytes.saturating_add(s.traffic_bytes());
        st.time_s += s.time_s;
    }
    out
}

/// Properties of [`StageTable`].
#[derive(Properties, PartialEq)]
pub struct StageTableProps {
    pub analysis: Rc<Analysis>,
}

/// The per-stage subtotals.
#[function_component(StageTable)]
pub fn stage_table(p: &StageTableProps) -> Html {
    let list = stages(&p.analysis);
    let total = p.analysis.totals.macs.max(1);
    html! {
        <div class="table-wrap stages-wrap">
            <table class="summary stages" aria-label="Subtotals per stage">
                <thead><tr>
                    <th>{ "Stage (grid)" }</th><th class="num">{ "Layers" }</th><th class="num">{ "Params" }</th>
                    <th class="num">{ "MACs" }</th><th class="num">{ "Share" }</th><th class="num">{ "Activations" }</th>
                    <th class="num">{ "Read-once" }</th><th class="num">{ "Time" }</th>
                </tr></thead>
                <tbody>
                    { for list.iter().map(|s| html! {
                        <tr class="stage-row">
                            <td>{ s.label.clone() }</td>
                            <td class="num">{ s.rows }</td>
                            <td class="num">{ thousands(s.params) }</td>
                            <td class="num macs" style={format!("--s:{}", permille(s.macs, total))} title={thousands(s.macs)}>
                                { si(s.macs as f64) }
                            </td>
                            <td class="num">{ format!("{:.1}%", 100.0 * s.macs as f64 / total as f64) }</td>
                            <td class="num">{ bytes(s.activation_bytes) }</td>
                            <td class="num">{ bytes(s.traffic_bytes) }</td>
                            <td class="num">{ seconds(s.time_s) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}
