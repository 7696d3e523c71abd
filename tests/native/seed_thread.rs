//! The seed thread's `learn.summary()` of fastai's resnet18 learner on 64×3×28×28 MNIST, copied verbatim into
//! `tests/fixtures/seed_thread_learn_summary.txt`: every row's output shape and parameter count, and the totals.
//!
//! fastai's summary lists each module once, in registration order; convscope lists forward calls. The two differ
//! only where a module is called twice (a BasicBlock's `relu`, listed once by fastai) and in
//! `AdaptiveConcatPool2d`, whose `ap` is registered before `mp` but called after it.

use crate::support;

struct Line {
    class: String,
    shape: Vec<u64>,
    params: u64,
    trainable: bool,
}

fn table() -> (Vec<Line>, u64) {
    let text = include_str!("../fixtures/seed_thread_learn_summary.txt");
    let mut lines = Vec::new();
    let mut total = 0;
    for l in text.lines() {
        if let Some(t) = l.strip_prefix("Total params: ") {
            total = t.replace(',', "").parse().expect("total");
        }
        let cols: Vec<&str> = l
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        if cols.len() == 4 && (cols[3] == "True" || cols[3] == "False") {
            lines.push(Line {
                class: cols[0].to_string(),
                shape: cols[1]
                    .split(" x ")
                    .map(|d| d.parse().expect("dimension"))
                    .collect(),
                params: cols[2].replace(',', "").parse().expect("params"),
                trainable: cols[3] == "True",
            });
        }
    }
    (lines, total)
}

#[test]
fn every_row_of_learn_summary_matches() {
    let (expected, total) = table();
    assert_eq!(expected.len(), 60, "the fixture has all 60 rows");
    assert_eq!(total, 11_708_992);

    let a = support::preset("fastai_resnet18");
    assert_eq!(a.totals.params, total);
    assert_eq!(a.totals.trainable_params, 11_708_992);
    // One row per module: drop functional ops and the second call of a reused module.
    let mut seen = std::collections::HashSet::new();
    let mut ours: Vec<_> = support::module_rows(&a)
        .into_iter()
        .filter(|r| seen.insert(r.path.clone()))
        .collect();
    // Registration order of AdaptiveConcatPool2d: ap before mp.
    let mp = ours
        .iter()
        .position(|r| r.path == "1.0.mp")
        .expect("mp row");
    ours.swap(mp, mp + 1);
    assert_eq!(ours.len(), expected.len());
    for (row, want) in ours.iter().zip(&expected) {
        let s = row.stats.expect("computed");
        assert_eq!(row.class, want.class, "{}", row.path);
        assert_eq!(s.output.with_batch(64), want.shape, "{} output", row.path);
        assert_eq!(s.params, want.params, "{} params", row.path);
        assert_eq!(s.params > 0, want.trainable, "{} trainable", row.path);
    }
}
