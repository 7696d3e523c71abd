//! The architecture text format: what a share link carries, readable in a forum post.
//!
//! ```text
//! v1/3x224x224/conv1:conv(64,7,s2,p3,nobias)/bn1:bn/relu:relu/maxpool:maxpool(3,s2,p1)
//!   /layer1:seq(2*basic(64))/layer2:seq(basic(128,s2)/basic(128))/.../avgpool:adaptiveavg(1)/flatten:~flatten/fc:linear(1000)
//! ```
//! - `v1` is the version tag, then the input `C×H×W` as `3x224x224`, then the layers, separated by `/`.
//! - An item is `[N*][name:][~]layer[(args)]`: `N*` repeats it (copies are numbered like `nn.Sequential`), `name:`
//!   gives its module name (otherwise its position), `~` marks a functional call (`torch.flatten`) that torchinfo does
//!   not list.
//! - Arguments: positional numbers first, then keyed ones: `s2` stride, `p1` padding (`psame`), `d2` dilation,
//!   `g4` groups (`dw` depthwise), `op1` output padding, `nobias`, `ceil`; a pair is `3x5` (height × width).
//! - Blocks hold item lists: `seq(a/b)`, `res(main;shortcut;post)` (empty shortcut: identity), `cat(a;b)`.
//! - Only URL-safe characters are used: letters, digits and `/ ( ) , ; : * ~ . _ -`. Whitespace between tokens is
//!   ignored, so a spec may be written over several lines.
//!
//! The full grammar with examples is in `docs/format.md`. `parse(print(a)) == a` for every architecture.

pub mod args;
mod parse;
mod print;

pub use parse::{parse, ParseError};
pub use print::print;

use crate::core::ops;

/// The version tag this build writes and reads.
pub const VERSION: &str = "v1";

/// The layer table of `docs/format.md` (Markdown), from the op registry and the other ops' rows; a test keeps the
/// document equal to it.
pub fn layer_table() -> String {
    let mut out =
        String::from("| text | PyTorch | arguments (defaults in brackets) |\n|---|---|---|\n");
    for row in ops::doc_rows().chain(&parse::STRUCTURAL_DOC) {
        let args = if row.args.is_empty() {
            String::new()
        } else {
            format!(" {}", row.args)
        };
        out.push_str(&format!("| {} | {} |{args} |\n", row.text, row.pytorch));
    }
    out
}
