//! Parser of the text format: a hand-written recursive descent that never panics, bounds its depth and sizes, and
//! reports the position of the first problem and what was expected there.

use std::fmt;

use crate::core::arch::{Architecture, Block, Input, Node, Op, Residual};
use crate::core::format::args::{int, pair, Arg, Args};
use crate::core::format::VERSION;
use crate::core::layer::{Act, Pair};
use crate::core::limits::{MAX_CHANNELS, MAX_DEPTH, MAX_KERNEL, MAX_REPEAT, MAX_SPATIAL};
use crate::core::ops::{self, DocRow};

/// Where parsing stopped and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Character offset (0-based) into the spec.
    pub position: usize,
    pub expected: String,
    pub found: String,
}

impl ParseError {
    /// An error at byte offset `pos` (converted to characters by [`parse`]).
    pub fn new(pos: usize, expected: &str, found: &str) -> ParseError {
        ParseError {
            position: pos,
            expected: expected.to_string(),
            found: found.to_string(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "at character {}: expected {}, found {}",
            self.position + 1,
            self.expected,
            self.found
        )
    }
}

impl std::error::Error for ParseError {}

/// Parses a spec such as `v1/3x28x28/conv(4,3,s2,p1)/relu`.
pub fn parse(spec: &str) -> Result<Architecture, ParseError> {
    let mut p = Parser {
        s: spec,
        pos: 0,
        depth: 0,
    };
    p.architecture().map_err(|mut e| {
        // Positions are byte offsets while parsing; people count characters.
        let byte = e.position.min(spec.len());
        e.position = spec.char_indices().take_while(|(i, _)| *i < byte).count();
        e
    })
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
    depth: usize,
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Parser<'a> {
    fn skip_ws(&mut self) {
        while let Some(b) = self.s.as_bytes().get(self.pos) {
            if b.is_ascii_whitespace() {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.as_bytes().get(self.pos).copied()
    }

    /// A short description of what stands at the current position, for error messages.
    fn found(&mut self) -> String {
        self.skip_ws();
        match self.s.get(self.pos..).and_then(|rest| rest.chars().next()) {
            None => "the end of the spec".into(),
            Some(c) => format!("`{c}`"),
        }
    }

    fn err<T>(&mut self, expected: &str) -> Result<T, ParseError> {
        let found = self.found();
        Err(ParseError::new(self.pos, expected, &found))
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8, expected: &str) -> Result<(), ParseError> {
        if self.eat(c) {
            Ok(())
        } else {
            self.err(expected)
        }
    }

    /// A run of letters, digits and `_`.
    fn word(&mut self) -> &'a str {
        self.skip_ws();
        let start = self.pos;
        while self.s.as_bytes().get(self.pos).is_some_and(|b| is_word(*b)) {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    fn architecture(&mut self) -> Result<Architecture, ParseError> {
        let start = self.pos;
        let version = self.word();
        if version != VERSION {
            let found = if version.is_empty() {
                self.found()
            } else {
                format!("`{version}`")
            };
            let hint = if version.starts_with('v') {
                " (this convscope reads v1)"
            } else {
                ""
            };
            return Err(ParseError::new(
                start,
                &format!("the version tag `{VERSION}`{hint}"),
                &found,
            ));
        }
        self.expect(b'/', "`/` after the version tag")?;
        let input = self.input()?;
        let mut body = Vec::new();
        while self.eat(b'/') {
            body.push(self.item()?);
        }
        if self.peek().is_some() {
            return self.err("`/` and another layer, or the end of the spec");
        }
        Ok(Architecture { input, body })
    }

    fn input(&mut self) -> Result<Input, ParseError> {
        let start = self.pos;
        let text = self.word();
        let parts: Vec<&str> = text.split('x').collect();
        let bad = || {
            ParseError::new(
                start,
                "the input size as CxHxW, e.g. 3x224x224",
                &format!("`{text}`"),
            )
        };
        if parts.len() != 3 {
            return Err(bad());
        }
        let dim = |t: &str, what: &str, max: u64| -> Result<u64, ParseError> {
            let v: u64 = t.parse().map_err(|_| bad())?;
            if v == 0 || v > max {
                return Err(ParseError::new(
                    start,
                    &format!("input {what} from 1 to {max}"),
                    &format!("`{t}`"),
                ));
            }
            Ok(v)
        };
        Ok(Input {
            c: dim(parts[0], "channels", MAX_CHANNELS)?,
            h: dim(parts[1], "height", MAX_SPATIAL)?,
            w: dim(parts[2], "width", MAX_SPATIAL)?,
        })
    }

    /// Items separated by `/`, up to (not including) `;`, `)` or the end. May be empty.
    fn items(&mut self) -> Result<Vec<Node>, ParseError> {
        let mut items = Vec::new();
        if matches!(self.peek(), Some(b';' | b')') | None) {
            return Ok(items);
        }
        items.push(self.item()?);
        while self.eat(b'/') {
            items.push(self.item()?);
        }
        Ok(items)
    }

    /// `[N*][name:][~]layer[(args)]`
    fn item(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        self.skip_ws();
        let mut word_start = self.pos;
        let mut word = self.word();
        let mut repeat = 1;
        if !word.is_empty() && self.peek() == Some(b'*') {
            let arg = Arg {
                raw: word,
                key: "",
                value: word,
                pos: start,
            };
            repeat = int(&arg, "a repeat count", 1, MAX_REPEAT)?;
            self.pos += 1;
            self.skip_ws();
            word_start = self.pos;
            word = self.word();
        }
        // A name may also hold `-` (torchvision's RegNet names its blocks `block1-0`): a word running on with
        // `-` is a name only when a `:` follows it, and `-` never starts one.
        // The `-` must follow the word directly: `block4 -1:` is no name (a look-ahead may have skipped spaces).
        let word_end = word_start + word.len();
        if !word.is_empty() && self.s.as_bytes().get(word_end) == Some(&b'-') {
            let name_start = word_start;
            let mut end = word_end;
            while self
                .s
                .as_bytes()
                .get(end)
                .is_some_and(|b| is_word(*b) || *b == b'-')
            {
                end += 1;
            }
            if self.s.as_bytes().get(end) == Some(&b':') {
                word = &self.s[name_start..end];
                self.pos = end;
            }
        }
        let mut name = None;
        if !word.is_empty() && self.peek() == Some(b':') {
            if repeat > 1 {
                return Err(ParseError::new(
                    start,
                    "a repeated item without a name (copies are numbered)",
                    &format!("`{word}:`"),
                ));
            }
            name = Some(word.to_string());
            self.pos += 1;
            word = self.word();
        }
        let mut functional = false;
        if word.is_empty() && self.eat(b'~') {
            functional = true;
            word = self.word();
        }
        if word.is_empty() {
            return self.err("a layer or block (conv, bn, relu, linear, seq, res, ...)");
        }
        let at = self.pos - word.len();
        let op = self.op(word, at)?;
        Ok(Node {
            name,
            repeat,
            functional,
            op,
        })
    }

    fn op(&mut self, kind: &'a str, at: usize) -> Result<Op, ParseError> {
        match kind {
            "seq" | "res" | "cat" => self.block_of_items(kind),
            _ => {
                let args = self.args(kind)?;
                build(kind, at, args)
            }
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err(&format!("at most {MAX_DEPTH} nested blocks"));
        }
        Ok(())
    }

    fn block_of_items(&mut self, kind: &str) -> Result<Op, ParseError> {
        self.expect(b'(', &format!("`(` after `{kind}`"))?;
        self.enter()?;
        let mut lists = vec![self.items()?];
        while self.eat(b';') {
            lists.push(self.items()?);
        }
        self.expect(
            b')',
            "`/` and another layer, `;` and another branch, or `)`",
        )?;
        self.depth -= 1;
        match kind {
            "seq" if lists.len() == 1 => Ok(Op::Seq(lists.pop().unwrap_or_default())),
            "seq" => self.err("a sequence without `;` (use cat or res for branches)"),
            "res" if lists.len() <= 3 => {
                let mut it = lists.into_iter();
                let main = it.next().unwrap_or_default();
                let shortcut = it.next().unwrap_or_default();
                let post = it.next().unwrap_or_default();
                Ok(Op::Residual(Residual {
                    main,
                    shortcut,
                    post,
                }))
            }
            "res" => self.err("res(main;shortcut;post) with at most three parts"),
            _ => Ok(Op::Concat(lists)),
        }
    }

    /// `(a,b,c)` or nothing.
    fn args(&mut self, layer: &'a str) -> Result<Args<'a>, ParseError> {
        let mut items = Vec::new();
        if self.eat(b'(') {
            loop {
                self.skip_ws();
                let start = self.pos;
                while self
                    .s
                    .as_bytes()
                    .get(self.pos)
                    .is_some_and(|b| is_word(*b) || *b == b'.' || *b == b'-')
                {
                    self.pos += 1;
                }
                let raw = &self.s[start..self.pos];
                if raw.is_empty() {
                    return self.err(&format!("an argument of {layer}"));
                }
                let key_len = raw.bytes().take_while(|b| b.is_ascii_lowercase()).count();
                items.push(Arg {
                    raw,
                    key: &raw[..key_len],
                    value: &raw[key_len..],
                    pos: start,
                });
                if self.eat(b')') {
                    break;
                }
                self.expect(b',', "`,` and another argument, or `)`")?;
            }
        }
        Ok(Args::new(layer, items, self.pos))
    }
}

/// Activations a squeeze-excitation block may use between its two 1×1 convolutions.
pub const SE_ACTS: [(&str, Act); 6] = [
    ("relu", Act::Relu),
    ("relu6", Act::Relu6),
    ("silu", Act::Silu),
    ("gelu", Act::Gelu),
    ("sigmoid", Act::Sigmoid),
    ("hardswish", Act::Hardswish),
];

/// The keywords that are not leaf layers, in the order the "expected a layer" message lists them after the
/// registry's.
const STRUCTURAL: [&str; 9] = [
    "concatpool",
    "se",
    "seq",
    "res",
    "cat",
    "basic",
    "bottleneck",
    "invres",
    "mbconv",
];

/// The rows of `docs/format.md`'s layer table for the ops that are not leaf layers, after the registry's.
pub const STRUCTURAL_DOC: [DocRow; 2] = [
    DocRow {
        text: "`concatpool(size)`",
        pytorch: "fastai `AdaptiveConcatPool2d`",
        args: "size [1]; rows `mp`, `ap`, then `:cat`",
    },
    DocRow {
        text: "`se(squeeze,act)`",
        pytorch: "torchvision `SqueezeExcitation`",
        args: "act [relu]: relu, relu6, silu, gelu, sigmoid, hardswish; `hardsigmoid` makes the gate a hard sigmoid (MobileNetV3) instead of a sigmoid",
    },
];

/// The error for a word no op has, listing every keyword. Out of line: the parser's hot path stays small.
#[cold]
#[inline(never)]
fn unknown(kind: &str, at: usize) -> ParseError {
    let known: Vec<&str> = ops::keywords().chain(STRUCTURAL).collect();
    ParseError::new(
        at,
        &format!("a layer: {}", known.join(", ")),
        &format!("`{kind}`"),
    )
}

fn build(kind: &str, at: usize, mut a: Args) -> Result<Op, ParseError> {
    match kind {
        "concatpool" => {
            let size = match a.positional(0) {
                Some(arg) => pair(arg, "output size", 1, MAX_SPATIAL)?,
                None => Pair::square(1),
            };
            a.finish("output size")?;
            Ok(Op::ConcatPool(size))
        }
        "se" => {
            let squeeze = int(
                a.required(0, "squeeze channels")?,
                "squeeze channels",
                1,
                MAX_CHANNELS,
            )?;
            let mut act = Act::Relu;
            for (key, candidate) in SE_ACTS {
                if a.flag(key)? {
                    act = candidate;
                }
            }
            let gate = if a.flag("hardsigmoid")? {
                Act::Hardsigmoid
            } else {
                Act::Sigmoid
            };
            a.finish("squeeze channels, then one of relu, relu6, silu, gelu, sigmoid, hardswish, then hardsigmoid")?;
            Ok(Op::SqueezeExcite { squeeze, act, gate })
        }
        "basic" | "bottleneck" | "invres" | "mbconv" => {
            let b = block(kind, &mut a)?;
            a.finish(match kind {
                "basic" => "planes, then s<stride>",
                "bottleneck" => "planes, then s<stride>, e<expansion>, g<groups>, w<base width>",
                "invres" => "expansion ratio, out_channels, then s<stride>",
                _ => "expansion ratio, out_channels, kernel, then s<stride>",
            })?;
            Ok(Op::Block(b))
        }
        _ => {
            let Some((family, word)) = ops::lookup(kind) else {
                return Err(unknown(kind, at));
            };
            let layer = family.parse(word.word, &mut a)?;
            a.finish(word.accepts)?;
            Ok(Op::Layer(layer))
        }
    }
}

fn block(kind: &str, a: &mut Args) -> Result<Block, ParseError> {
    let stride = |a: &mut Args| -> Result<u64, ParseError> {
        match a.keyed("s")? {
            Some(arg) => int(arg, "stride", 1, MAX_KERNEL),
            None => Ok(1),
        }
    };
    let channels = |a: &mut Args, i: usize, what: &str| -> Result<u64, ParseError> {
        int(a.required(i, what)?, what, 1, MAX_CHANNELS)
    };
    let block = match kind {
        "basic" => {
            let planes = channels(a, 0, "planes")?;
            Block::Basic {
                planes,
                stride: stride(a)?,
            }
        }
        "bottleneck" => {
            let planes = channels(a, 0, "planes")?;
            let stride = stride(a)?;
            let keyed =
                |a: &mut Args, key: &str, what: &str, default: u64| -> Result<u64, ParseError> {
                    match a.keyed(key)? {
                        Some(arg) => int(arg, what, 1, MAX_CHANNELS),
                        None => Ok(default),
                    }
                };
            let expansion = keyed(a, "e", "expansion", 4)?;
            let groups = keyed(a, "g", "groups", 1)?;
            let base_width = keyed(a, "w", "base width", 64)?;
            Block::Bottleneck {
                planes,
                stride,
                expansion,
                groups,
                base_width,
            }
        }
        "invres" => {
            let expand = channels(a, 0, "expansion ratio")?;
            let out = channels(a, 1, "out_channels")?;
            Block::InvertedResidual {
                expand,
                out,
                stride: stride(a)?,
            }
        }
        _ => {
            let expand = channels(a, 0, "expansion ratio")?;
            let out = channels(a, 1, "out_channels")?;
            let kernel = int(a.required(2, "kernel size")?, "kernel size", 1, MAX_KERNEL)?;
            Block::MbConv {
                expand,
                out,
                kernel,
                stride: stride(a)?,
            }
        }
    };
    Ok(block)
}
