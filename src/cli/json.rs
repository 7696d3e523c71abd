//! The JSON contract of `convscope summary --format json` (schema `convscope.summary/1`, documented in
//! `docs/json.md`): one entry per leaf layer call in forward order, then the totals.

use serde_json::{json, Value};

use crate::core::analysis::{Analysis, Row};
use crate::core::compare::{Comparison, Figures, MatchedBy, Stage};
use crate::core::rf::AxisRf;
use crate::core::timing::{self, Terms};

/// A float that is a whole number is written as an integer (`212`, not `212.0`).
fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

fn rf(h: &AxisRf, w: &AxisRf, global: bool) -> Value {
    json!({
        "size": number(h.size), "jump": number(h.jump), "start": number(h.start),
        "size_w": number(w.size), "jump_w": number(w.jump), "start_w": number(w.start),
        "global_context": global,
    })
}

fn row(a: &Analysis, r: &Row) -> Value {
    let s = r.stats.as_ref();
    json!({
        "index": r.index,
        "path": r.path,
        "key": r.key(),
        "call": r.call,
        "kind": r.class,
        "functional": r.functional,
        "op_kind": s.map(|s| s.kind.key()),
        "output": s.map(|s| s.output.with_batch(a.options.batch)),
        "params": s.map(|s| s.params),
        "buffers": s.map(|s| s.buffers),
        "macs": s.map(|s| s.macs),
        "flops": s.map(|s| s.flops),
        "activation_elements": s.map(|s| s.activation_elems),
        "activation_bytes": s.map(|s| s.activation_bytes),
        "read_bytes": s.map(|s| s.read_bytes),
        "write_bytes": s.map(|s| s.write_bytes),
        "no_reuse_bytes": s.map(|s| s.no_reuse_bytes),
        "intensity": s.map(|s| s.intensity),
        "time_s": s.map(|s| s.time_s),
        "bound": s.map(|s| s.bound.key()),
        "roofline_s": s.map(|s| s.roofline_s),
        "time_terms": s.map(|s| terms(&timing::row_terms(s, a.options.dtype, &a.options.device))),
        "rf": s.map(|s| rf(&s.rf.h, &s.rf.w, s.rf.global)),
        "diagnostic": r.diagnostic.as_ref().map(|d| d.to_string()),
    })
}

/// How a row's time is computed (see `core::timing`).
fn terms(t: &Terms) -> Value {
    let plan = t.plan.map(|p| {
        json!({
            "tile": [p.tile.m, p.tile.n], "tile_efficiency": p.tile.efficiency, "tiles": p.tiles,
            "split_k": p.split_k, "waves": p.waves, "fill": p.fill,
        })
    });
    json!({
        "kernel": t.path.label(), "flops": number(t.flops), "rate": t.rate, "compute_s": t.compute_s,
        "bytes": number(t.bytes), "bandwidth": t.bandwidth, "memory_s": t.memory_s, "floor_s": t.floor_s,
        "tiling": plan,
    })
}

/// The whole document.
pub fn document(a: &Analysis, spec: &str) -> Value {
    let t = &a.totals;
    let o = &a.options;
    json!({
        "schema": "convscope.summary/1",
        "spec": spec,
        "input": [a.input.c, a.input.h, a.input.w],
        "batch": o.batch,
        "dtype": o.dtype.name(),
        "device": o.device.link_key(),
        "fused": o.timing.fused,
        "conventions": o.counting.describe(),
        "input_error": a.input_error,
        "truncated": a.truncated,
        "layers": a.rows.iter().map(|r| row(a, r)).collect::<Vec<_>>(),
        "totals": {
            "params": t.params,
            "trainable_params": t.trainable_params,
            "buffers": t.buffers,
            "macs": t.macs,
            "flops": t.flops,
            "activation_bytes": t.activation_bytes,
            "read_bytes": t.read_bytes,
            "write_bytes": t.write_bytes,
            "no_reuse_bytes": t.no_reuse_bytes,
            "time_s": t.time_s,
            "roofline_s": t.roofline_s,
            "diagnostics": t.diagnostics,
            "training_memory": {
                "input_bytes": t.training.input_bytes,
                "activation_bytes": t.training.activation_bytes,
                "parameter_bytes": t.training.parameter_bytes,
                "total_bytes": t.training.total_bytes,
            },
        },
    })
}

/// The `diff` document: both summaries, the match of every row of B and the stage subtotals side by side
/// (schema `convscope.diff/1`, docs/json.md).
pub fn comparison(a: &Analysis, b: &Analysis, c: &Comparison, spec_a: &str, spec_b: &str) -> Value {
    let key = |x: &Analysis, i: Option<usize>| i.and_then(|i| x.rows.get(i)).map(|r| r.key());
    let figures = |f: &Figures| {
        json!({
            "params": f.params, "macs": f.macs, "activation_bytes": f.activation_bytes,
            "traffic_bytes": f.traffic_bytes, "time_s": f.time_s,
        })
    };
    let stage = |s: &Option<Stage>| {
        s.as_ref()
            .map(|s| json!({"grid": s.label, "rows": [s.rows.start, s.rows.end], "totals": figures(&s.figures)}))
    };
    json!({
        "schema": "convscope.diff/1",
        "a": document(a, spec_a),
        "b": document(b, spec_b),
        "matches": c.rows.iter().map(|m| json!({
            "b": key(b, Some(m.b)),
            "a": key(a, m.a),
            "by": m.by.map(|by| match by { MatchedBy::Key => "key", MatchedBy::Position => "position" }),
        })).collect::<Vec<_>>(),
        "a_only": c.a_only.iter().map(|&j| key(a, Some(j))).collect::<Vec<_>>(),
        "stages": c.stages.iter().map(|p| json!({"a": stage(&p.a), "b": stage(&p.b)})).collect::<Vec<_>>(),
        "totals": {"a": figures(&c.a), "b": figures(&c.b)},
    })
}
