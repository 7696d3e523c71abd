//! Entry point: mounts the web app on wasm32, runs the command line natively.

#[cfg(target_arch = "wasm32")]
fn main() {
    convscope::ui::mount();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = convscope::cli::run(&args, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
