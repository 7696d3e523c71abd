//! Every row has one identity: the walker stamps each row with the editor node it comes from and a key unique per
//! call, and every front end joins through them. Checked on every preset at every depth, on hand-written
//! concatenations and functional blocks, and against the leaf-call order PyTorch's forward hooks recorded.

use std::collections::HashSet;

use convscope::core::action::{child_lists, node, Addr};
use convscope::core::analysis::Analysis;
use convscope::core::arch::{Node, Op};
use convscope::core::presets;
use convscope::core::selection::{node_rows, Selection};
use serde_json::Value;

use crate::support;

/// Every editor node in pre-order, with its address.
fn editor_nodes(body: &[Node]) -> Vec<(Addr, &Node)> {
    fn walk<'a>(list: &'a [Node], at: &Addr, k: usize, out: &mut Vec<(Addr, &'a Node)>) {
        for (i, n) in list.iter().enumerate() {
            let here = at.child(k, i);
            out.push((here.clone(), n));
            for (k, (_, items)) in child_lists(&n.op).into_iter().enumerate() {
                walk(items, &here, k, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(body, &Addr::default(), 0, &mut out);
    out
}

/// The checks every network must pass; `what` names it in failures.
fn check_identity(what: &str, body: &[Node], a: &Analysis) {
    let keys: HashSet<String> = a.rows.iter().map(|r| r.key()).collect();
    assert_eq!(keys.len(), a.rows.len(), "{what}: row keys are not unique");
    for row in &a.rows {
        assert!(
            node(body, &row.node).is_some(),
            "{what}: row {} maps to no editor node ({:?})",
            row.key(),
            row.node
        );
        assert_eq!(
            Selection::resolve(&row.key(), a),
            Some(Selection::Row(row.index)),
            "{what}: row {} is not selected by its key",
            row.key()
        );
    }
    let owned = node_rows(a);
    for (at, n) in editor_nodes(body) {
        // An empty `seq()` inside a list still is a module call; only a node with nothing to call owns no rows.
        let empty = matches!(&n.op, Op::Seq(items) if items.is_empty()) && n.functional;
        let info = owned.get(&at);
        let rows = info.map_or(0, |i| i.rows.len());
        if !empty {
            assert!(rows > 0, "{what}: node {} owns no rows", at.key());
            let shaped = info.is_some_and(|i| i.rows.iter().any(|&r| a.rows[r].stats.is_some()));
            assert!(shaped, "{what}: node {} shows no output shape", at.key());
        }
        // Selecting the node in the editor selects it (or its one row) again, through the link's text.
        let text = Selection::Node(at.clone())
            .text(a)
            .unwrap_or_else(|| panic!("{what}: node {} has no selection text", at.key()));
        let back = Selection::resolve(&text, a).expect("resolves");
        assert_eq!(
            back.node(a),
            at,
            "{what}: node {} reselects via {text}",
            at.key()
        );
        let highlighted: Vec<usize> = a
            .rows
            .iter()
            .filter(|r| back.highlights(r))
            .map(|r| r.index)
            .collect();
        let expected: Vec<usize> = info.map_or_else(Vec::new, |i| i.rows.clone());
        assert_eq!(
            highlighted,
            expected,
            "{what}: node {} highlights other rows",
            at.key()
        );
    }
}

#[test]
fn every_preset_every_node_owns_its_rows_and_every_row_maps_back() {
    for p in presets::all() {
        let arch = p.architecture().expect("preset parses");
        check_identity(p.key, &arch.body, &support::preset(p.key));
    }
}

#[test]
fn concatenations_and_functional_blocks_map_rows_to_their_nodes() {
    for spec in [
        "v1/3x8x8/cat(conv(4,1);conv(4,3,p1))",
        "v1/3x8x8/conv(8,1)/~cat(a:conv(4,1)/relu;b:conv(4,3,p1))/2*seq(conv(8,1)/relu)",
        "v1/3x8x8/res(conv(3,3,p1)/bn;;relu)/cat(seq(conv(2,1)/conv(2,1));maxpool(3,s1,p1))",
        "v1/16x8x8/2*basic(16)/se(4)/concatpool(1)/flatten/linear(10)",
    ] {
        let arch = convscope::core::format::parse(spec).expect("parses");
        check_identity(spec, &arch.body, &support::spec(spec));
    }
}

/// The k-th call of a module path in PyTorch's forward-hook order is the row whose key says call k.
#[test]
fn call_numbers_follow_pytorch_hook_order() {
    for (preset, fixture) in [
        ("resnet18", "resnet18"),
        ("resnet50", "resnet50"),
        ("densenet121", "densenet121"),
        ("googlenet", "googlenet"),
        ("xresnet18", "xresnet18"),
    ] {
        let path = format!(
            "{}/tests/fixtures/torch/{fixture}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).expect("fixture");
        let json: Value = serde_json::from_str(&text).expect("json");
        let mut seen = std::collections::HashMap::<String, u32>::new();
        let expected: Vec<String> = json["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .map(|l| {
                let p = l["path"].as_str().expect("path").to_string();
                let n = seen.entry(p.clone()).or_insert(0);
                *n += 1;
                if *n == 1 {
                    p
                } else {
                    format!("{p}@{n}")
                }
            })
            .collect();
        let a = support::preset(preset);
        let got: Vec<String> = support::module_rows(&a).iter().map(|r| r.key()).collect();
        assert_eq!(got, expected, "{preset}");
    }
}

#[test]
fn a_chart_block_bar_selects_its_block() {
    use convscope::charts::group::{groups, Grouping};
    use convscope::charts::metric::Metric;
    let a = support::preset("resnet50");
    for g in groups(&a, Grouping::BLOCK, Metric::Macs) {
        let sel = Selection::of_rows(&a.rows[g.rows.clone()], &a).expect("selection");
        let covered: Vec<usize> = a
            .rows
            .iter()
            .filter(|r| sel.highlights(r))
            .map(|r| r.index)
            .collect();
        assert_eq!(
            covered,
            g.rows.clone().collect::<Vec<_>>(),
            "bar {}",
            g.label
        );
    }
}
