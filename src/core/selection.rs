//! What a selection picks: one row, one editor node with all its rows, or a module inside an expanded block. The
//! same text (`sel=` in a link, a click in the table, the editor or a chart) resolves here against the analysis,
//! so every front end joins rows and nodes through the walker's identities ([`Row::key`], [`Row::node`]).

use std::collections::HashMap;

use crate::core::addr::Addr;
use crate::core::analysis::{Analysis, Row};

/// The prefix of a selection that names an editor node by address (`node:0-3.0-1`), used when a node has no
/// module path of its own that leads back to it (a functional block, a repeated node).
pub const NODE_PREFIX: &str = "node:";

/// A resolved selection.
#[derive(Clone, Debug, PartialEq)]
pub enum Selection {
    /// One row, by index.
    Row(usize),
    /// An editor node and every row it owns.
    Node(Addr),
    /// A module that is no editor node of its own (`layer1.0.downsample` inside an expanded block): its rows, and
    /// the editor node that owns them all.
    Module { path: String, node: Addr },
}

impl Selection {
    /// Resolves selection text: a row key (`layer1.0.relu@2`; a plain path is its first call, as old links meant);
    /// a node's module path (`layer1`); `node:<address>`; or any module path, which selects the rows inside it.
    /// `None` when nothing in the analysis matches.
    pub fn resolve(text: &str, a: &Analysis) -> Option<Selection> {
        if let Some(key) = text.strip_prefix(NODE_PREFIX) {
            let at = Addr::parse_key(key)?;
            return a
                .nodes
                .iter()
                .any(|n| *n.node == at)
                .then_some(Selection::Node(at));
        }
        if let Some(row) = a.rows.iter().find(|r| r.has_key(text)) {
            return Some(Selection::Row(row.index));
        }
        // The outermost node with this module path: a sequence named `layer1` rather than its only child. One
        // copy of a repeated node is a module of its own, not the node.
        if let Some(n) = a.nodes.iter().find(|n| n.path.as_deref() == Some(text)) {
            let node = (*n.node).clone();
            let copies = a.nodes.iter().filter(|m| m.node == n.node).count();
            return Some(if copies == 1 {
                Selection::Node(node)
            } else {
                Selection::Module {
                    path: text.to_string(),
                    node,
                }
            });
        }
        let mut inside = a.rows.iter().filter(|r| path_contains(text, &r.path));
        let first = inside.next()?;
        let node = inside.fold((*first.node).clone(), |acc, r| acc.common(&r.node));
        Some(Selection::Module {
            path: text.to_string(),
            node,
        })
    }

    /// The selection of the rows `rows` stand for together (a chart's bar): the one row; else the module they
    /// all lie in when it holds nothing else (one copy of a repeated block); else the deepest editor node owning
    /// all of them; else (they span several top-level nodes) the first row.
    pub fn of_rows(rows: &[Row], a: &Analysis) -> Option<Selection> {
        let (first, rest) = rows.split_first()?;
        if rest.is_empty() {
            return Some(Selection::Row(first.index));
        }
        let module = rest.iter().fold(module_of(&first.path), |acc, r| {
            common_module(acc, module_of(&r.path))
        });
        if !module.is_empty() {
            let inside = a.rows.iter().filter(|r| path_contains(module, &r.path));
            if inside.map(|r| r.index).eq(rows.iter().map(|r| r.index)) {
                return Selection::resolve(module, a);
            }
        }
        let node = rest
            .iter()
            .fold((*first.node).clone(), |acc, r| acc.common(&r.node));
        Some(if node.is_root() {
            Selection::Row(first.index)
        } else {
            Selection::Node(node)
        })
    }

    /// Whether the selection covers `row`.
    pub fn highlights(&self, row: &Row) -> bool {
        match self {
            Selection::Row(i) => row.index == *i,
            Selection::Node(at) => at.contains(&row.node),
            Selection::Module { path, .. } => path_contains(path, &row.path),
        }
    }

    /// The editor node the selection marks (the root when none).
    pub fn node(&self, a: &Analysis) -> Addr {
        match self {
            Selection::Row(i) => a
                .rows
                .get(*i)
                .map_or_else(Addr::default, |r| (*r.node).clone()),
            Selection::Node(at) | Selection::Module { node: at, .. } => at.clone(),
        }
    }

    /// The first row the selection covers.
    pub fn first_row(&self, a: &Analysis) -> Option<usize> {
        a.rows.iter().find(|r| self.highlights(r)).map(|r| r.index)
    }

    /// The text that selects this again: a row's key, a node's module path when that leads back to the node,
    /// else `node:<address>`.
    pub fn text(&self, a: &Analysis) -> Option<String> {
        match self {
            Selection::Row(i) => a.rows.get(*i).map(Row::key),
            Selection::Module { path, .. } => Some(path.clone()),
            Selection::Node(at) => {
                let mut calls = a.nodes.iter().filter(|n| *n.node == *at);
                let first = calls.next()?;
                let path = first.path.as_deref().filter(|_| calls.next().is_none());
                // The path must lead back to this node: to the node itself, or to its one row (a leaf layer).
                let owns_only = |i: usize| {
                    a.rows
                        .iter()
                        .filter(|r| at.contains(&r.node))
                        .map(|r| r.index)
                        .eq(std::iter::once(i))
                };
                let by_path = path.filter(|p| match Selection::resolve(p, a) {
                    Some(Selection::Node(n)) => n == *at,
                    Some(Selection::Row(i)) => owns_only(i),
                    _ => false,
                });
                Some(match by_path {
                    Some(p) => p.to_string(),
                    None => format!("{NODE_PREFIX}{}", at.key()),
                })
            }
        }
    }
}

/// What the editor shows of one node: the rows it owns (its own and its children's, in forward order) and its
/// calls' module paths.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeRows {
    pub rows: Vec<usize>,
    /// One entry per call (copy) of the node; `None` for a functional block.
    pub paths: Vec<Option<String>>,
}

/// Every editor node's rows and paths, by address, from one pass over the analysis.
pub fn node_rows(a: &Analysis) -> HashMap<Addr, NodeRows> {
    let mut out: HashMap<Addr, NodeRows> = HashMap::with_capacity(a.nodes.len());
    for call in &a.nodes {
        out.entry((*call.node).clone())
            .or_default()
            .paths
            .push(call.path.clone());
    }
    for row in &a.rows {
        // A row belongs to its node and to each node around it.
        for depth in 1..=row.node.0.len() {
            let at = Addr(row.node.0[..depth].to_vec());
            out.entry(at).or_default().rows.push(row.index);
        }
    }
    out
}

/// The module a row path names: the path without a functional suffix (`layer1.0:add` is in `layer1.0`).
fn module_of(path: &str) -> &str {
    path.split(':').next().unwrap_or(path)
}

/// The longest module path both lie in (whole components only).
fn common_module<'a>(a: &'a str, b: &str) -> &'a str {
    let mut len = 0;
    for (i, (x, y)) in a.split('.').zip(b.split('.')).enumerate() {
        if x != y {
            break;
        }
        len += x.len() + usize::from(i > 0);
    }
    &a[..len]
}

/// Whether the row at `row_path` lies inside the module at `module` (or is it): the path continues with `.`, a
/// functional suffix `:` or a call suffix `@`.
pub fn path_contains(module: &str, row_path: &str) -> bool {
    match row_path.strip_prefix(module) {
        Some(rest) => module.is_empty() || rest.is_empty() || rest.starts_with(['.', ':', '@']),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::analysis::{analyse, Options};
    use crate::core::format;

    fn analysis(spec: &str) -> Analysis {
        analyse(&format::parse(spec).expect("parses"), &Options::default())
    }

    #[test]
    fn path_containment() {
        assert!(path_contains("layer1.0", "layer1.0:add"));
        assert!(path_contains("layer1.0", "layer1.0.conv1"));
        assert!(!path_contains("layer1.0", "layer1.01"));
        assert!(path_contains("", "x"));
    }

    #[test]
    fn a_module_called_twice_has_two_keys() {
        let a = analysis("v1/64x8x8/basic(64)");
        let relus: Vec<&Row> = a.rows.iter().filter(|r| r.path == "0.relu").collect();
        assert_eq!(relus.len(), 2);
        assert_eq!(relus[0].key(), "0.relu");
        assert_eq!(relus[1].key(), "0.relu@2");
        assert_eq!(
            Selection::resolve("0.relu@2", &a),
            Some(Selection::Row(relus[1].index))
        );
        // An old link's plain path means the first call.
        assert_eq!(
            Selection::resolve("0.relu", &a),
            Some(Selection::Row(relus[0].index))
        );
        // Inside the expanded block, a module selects its rows and marks the block's node.
        let down = Selection::resolve("0", &a).expect("block");
        assert_eq!(down, Selection::Node(Addr::top(0)));
    }

    #[test]
    fn concat_branches_belong_to_their_nodes() {
        let a = analysis("v1/3x8x8/cat(conv(4,1);conv(4,3,p1))");
        let paths: Vec<&str> = a.rows.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["0.0", "0.1", "0:cat"]);
        assert_eq!(*a.rows[0].node, Addr::top(0).child(0, 0));
        assert_eq!(*a.rows[1].node, Addr::top(0).child(1, 0));
        assert_eq!(*a.rows[2].node, Addr::top(0));
        let index = node_rows(&a);
        assert_eq!(index[&Addr::top(0)].rows, [0, 1, 2]);
        assert_eq!(
            index[&Addr::top(0).child(1, 0)].paths,
            [Some("0.1".to_string())]
        );
        for (i, row) in a.rows.iter().enumerate() {
            let sel = Selection::Row(i);
            assert_eq!(sel.text(&a), Some(row.key()));
            assert_eq!(Selection::resolve(&row.key(), &a), Some(sel));
        }
        let node = Selection::Node(Addr::top(0));
        assert_eq!(node.text(&a).as_deref(), Some("0"));
    }

    #[test]
    fn nodes_without_a_path_of_their_own_are_selected_by_address() {
        let a = analysis("v1/3x8x8/conv(4,1)/~cat(conv(4,1);conv(4,1))/3*relu");
        for at in [Addr::top(1), Addr::top(2)] {
            let sel = Selection::Node(at.clone());
            let text = sel.text(&a).expect("a node");
            assert!(text.starts_with(NODE_PREFIX), "{text}");
            assert_eq!(Selection::resolve(&text, &a), Some(sel));
        }
        assert_eq!(Selection::resolve("node:0-9", &a), None);
        // A leaf layer's node is selected by its path, which names its one row.
        assert_eq!(Selection::Node(Addr::top(0)).text(&a).as_deref(), Some("0"));
        assert_eq!(Selection::resolve("nothing", &a), None);
    }
}
