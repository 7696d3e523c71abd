//! Addresses of the editor's nodes: where a node sits in the architecture's tree. The analysis stamps every row
//! with the address of the node it comes from, so the editor, the table, the charts and the selection all join
//! rows to nodes through this one value rather than through module-path naming rules.

/// One step down the node tree: a child list of the current node, then an item in that list.
///
/// Lists are numbered per node: a sequence has one (0); a residual block has its main path (0), shortcut (1) and
/// post layers (2); a concatenation has one list per branch. The top level is list 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Step {
    pub list: usize,
    pub item: usize,
}

/// Where a node sits in the tree: the steps from the top-level list down to it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Addr(pub Vec<Step>);

impl Addr {
    /// The `item`-th node of the top-level list.
    pub fn top(item: usize) -> Addr {
        Addr(vec![Step { list: 0, item }])
    }

    /// The `item`-th node of this node's child list `list`.
    pub fn child(&self, list: usize, item: usize) -> Addr {
        let mut steps = self.0.clone();
        steps.push(Step { list, item });
        Addr(steps)
    }

    /// The same position with another item index in the same list.
    pub fn sibling(&self, item: usize) -> Addr {
        let mut steps = self.0.clone();
        if let Some(last) = steps.last_mut() {
            last.item = item;
        }
        Addr(steps)
    }

    /// A stable text key: `list-item` per step, joined by `.` (`0-3.0-1`: item 3 of the top level, then item 1 of
    /// its first child list), for element ids, list keys and links.
    pub fn key(&self) -> String {
        self.0
            .iter()
            .map(|s| format!("{}-{}", s.list, s.item))
            .collect::<Vec<_>>()
            .join(".")
    }

    /// Reads a [`Addr::key`] back; `None` for anything else.
    pub fn parse_key(text: &str) -> Option<Addr> {
        if text.is_empty() {
            return Some(Addr::default());
        }
        let mut steps = Vec::new();
        for part in text.split('.') {
            let (list, item) = part.split_once('-')?;
            steps.push(Step {
                list: list.parse().ok()?,
                item: item.parse().ok()?,
            });
        }
        Some(Addr(steps))
    }

    /// Whether `other` is this node or lies inside it.
    pub fn contains(&self, other: &Addr) -> bool {
        other.0.starts_with(&self.0)
    }

    /// The deepest node containing both (the root when they share nothing).
    pub fn common(&self, other: &Addr) -> Addr {
        let n = self
            .0
            .iter()
            .zip(&other.0)
            .take_while(|(a, b)| a == b)
            .count();
        Addr(self.0[..n].to_vec())
    }

    /// The root: the architecture's body itself, which no editor node stands for.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_nesting() {
        let a = Addr::top(3).child(0, 1);
        assert_eq!(a.key(), "0-3.0-1");
        assert_eq!(Addr::parse_key(&a.key()), Some(a.clone()));
        assert_eq!(Addr::parse_key("0-x"), None);
        assert!(Addr::top(3).contains(&a));
        assert!(!Addr::top(2).contains(&a));
        assert_eq!(a.common(&Addr::top(3).child(1, 0)), Addr::top(3));
        assert!(a.common(&Addr::top(1)).is_root());
    }
}
