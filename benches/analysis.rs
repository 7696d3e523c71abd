//! `cargo bench`: how long the analysis takes natively (goal: resnet50 well under 100 µs). Prints numbers; it is
//! not a pass/fail test. Each case runs in batches for about a second and reports the median and best batch mean.

use std::hint::black_box;
use std::time::{Duration, Instant};

use convscope::core::analysis::{analyse, Counting, Options};
use convscope::core::format;
use convscope::core::presets;

fn measure(label: &str, mut f: impl FnMut()) {
    // Warm up, then size batches to ~10 ms.
    let start = Instant::now();
    let mut calls = 0u32;
    while start.elapsed() < Duration::from_millis(100) {
        f();
        calls += 1;
    }
    let per_batch = (calls / 10).max(1);
    let mut means = Vec::new();
    let run = Instant::now();
    while run.elapsed() < Duration::from_secs(1) {
        let t = Instant::now();
        for _ in 0..per_batch {
            f();
        }
        means.push(t.elapsed().as_secs_f64() / f64::from(per_batch));
    }
    means.sort_by(f64::total_cmp);
    let median = means[means.len() / 2];
    println!(
        "{label:<40} median {:>9.2} µs   best {:>9.2} µs   ({} batches of {per_batch})",
        median * 1e6,
        means[0] * 1e6,
        means.len()
    );
}

fn main() {
    for key in [
        "resnet50",
        "resnet152",
        "efficientnet_b0",
        "fastai_resnet18",
    ] {
        let Some(p) = presets::find(key) else {
            continue;
        };
        let Ok(arch) = p.architecture() else { continue };
        let options = Options {
            batch: p.batch,
            ..Options::default()
        };
        let rows = analyse(&arch, &options).rows.len();
        measure(&format!("analyse {key} ({rows} rows)"), || {
            black_box(analyse(black_box(&arch), black_box(&options)));
        });
        let all = Options {
            counting: Counting::ALL,
            ..options.clone()
        };
        measure(&format!("analyse {key}, all counts"), || {
            black_box(analyse(black_box(&arch), black_box(&all)));
        });
        // A slider step with a pinned baseline matches every row of B against A.
        let base = analyse(&arch, &options);
        let edited = analyse(&arch, &options);
        measure(&format!("compare {key} with itself"), || {
            black_box(convscope::core::compare::compare(
                black_box(&base),
                black_box(&edited),
            ));
        });
        measure(
            &format!("parse + print {key} ({} chars)", p.spec.len()),
            || {
                let a = format::parse(black_box(&p.spec));
                black_box(a.map(|a| format::print(&a)).ok());
            },
        );
    }
}
