//! The layering of ARCHITECTURE.md: `src/core`, `src/charts` and `src/import` never name web-only crates, so they
//! compile and test natively and stay reusable; `core` and `charts` never use the importer.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn core_and_charts_know_nothing_of_the_web() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for layer in ["core", "charts", "import"] {
        rust_files(&root.join(layer), &mut files);
        let single = root.join(format!("{layer}.rs"));
        if single.exists() {
            files.push(single);
        }
    }
    assert!(files.len() > 10, "found the core sources");
    for f in files {
        let text = std::fs::read_to_string(&f).expect("readable");
        for banned in [
            "yew",
            "web_sys",
            "gloo",
            "plotters_canvas",
            "wasm_bindgen",
            "js_sys",
        ] {
            let uses = text.lines().any(|l| {
                let code = l.split("//").next().unwrap_or("");
                code.contains(&format!("{banned}::")) || code.contains(&format!("use {banned}"))
            });
            assert!(!uses, "{} names {banned}", f.display());
        }
    }
}

#[test]
fn core_and_charts_never_use_the_importer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for layer in ["core", "charts"] {
        rust_files(&root.join(layer), &mut files);
        files.push(root.join(format!("{layer}.rs")));
    }
    for f in files {
        let text = std::fs::read_to_string(&f).expect("readable");
        let uses = text.lines().any(|l| {
            let code = l.split("//").next().unwrap_or("");
            code.contains("crate::import") || code.contains("import::onnx")
        });
        assert!(!uses, "{} uses the importer", f.display());
    }
}
