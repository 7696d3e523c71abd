//! Arguments of one layer in the text format: positional values first, keyed flags after, each checked once.

use crate::core::format::parse::ParseError;
use crate::core::layer::Pair;

/// One raw argument: a lower-case key (possibly empty) and its value text, with its position in the spec.
#[derive(Clone, Copy, Debug)]
pub struct Arg<'a> {
    /// The whole argument text (`s2`, `relu6`).
    pub raw: &'a str,
    pub key: &'a str,
    pub value: &'a str,
    pub pos: usize,
}

/// The arguments of one layer; every argument must be taken by the layer, or [`Args::finish`] reports it.
pub struct Args<'a> {
    items: Vec<Arg<'a>>,
    used: Vec<bool>,
    /// Position just after the closing parenthesis (or the layer name when there are none).
    end: usize,
    layer: &'a str,
}

impl<'a> Args<'a> {
    pub fn new(layer: &'a str, items: Vec<Arg<'a>>, end: usize) -> Args<'a> {
        let used = vec![false; items.len()];
        Args {
            items,
            used,
            end,
            layer,
        }
    }

    /// The `i`-th positional argument (a value with no key), if present.
    pub fn positional(&mut self, i: usize) -> Option<&Arg<'a>> {
        let idx = self
            .items
            .iter()
            .enumerate()
            .filter(|(_, a)| a.key.is_empty())
            .nth(i)
            .map(|(idx, _)| idx)?;
        self.used[idx] = true;
        Some(&self.items[idx])
    }

    /// A required positional argument.
    pub fn required(&mut self, i: usize, what: &str) -> Result<&Arg<'a>, ParseError> {
        let (end, layer) = (self.end, self.layer);
        self.positional(i).ok_or_else(|| {
            ParseError::new(
                end,
                &format!("{what} for {layer}"),
                "the end of its arguments",
            )
        })
    }

    /// A keyed argument such as `s2` (key `s`) or `nobias` (key `nobias`, empty value).
    pub fn keyed(&mut self, key: &str) -> Result<Option<&Arg<'a>>, ParseError> {
        let mut found = None;
        for (idx, a) in self.items.iter().enumerate() {
            if a.key == key {
                if found.is_some() {
                    return Err(ParseError::new(
                        a.pos,
                        &format!("`{key}` at most once"),
                        &format!("a second `{key}`"),
                    ));
                }
                found = Some(idx);
            }
        }
        Ok(found.map(|idx| {
            self.used[idx] = true;
            &self.items[idx]
        }))
    }

    /// A flag with no value (`nobias`, `ceil`, `relu6`), matched on the whole argument text.
    pub fn flag(&mut self, flag: &str) -> Result<bool, ParseError> {
        let mut found = None;
        for (idx, a) in self.items.iter().enumerate() {
            if a.raw == flag {
                if found.is_some() {
                    return Err(ParseError::new(
                        a.pos,
                        &format!("`{flag}` at most once"),
                        &format!("a second `{flag}`"),
                    ));
                }
                found = Some(idx);
            }
        }
        if let Some(idx) = found {
            self.used[idx] = true;
        }
        Ok(found.is_some())
    }

    /// Fails on the first argument no one took, naming what the layer accepts.
    pub fn finish(self, accepted: &str) -> Result<(), ParseError> {
        match self.items.iter().zip(&self.used).find(|(_, used)| !**used) {
            Some((a, _)) => Err(ParseError::new(
                a.pos,
                &format!("{} arguments: {accepted}", self.layer),
                &format!("`{}`", a.raw),
            )),
            None => Ok(()),
        }
    }
}

/// An integer in `min..=max`.
pub fn int(arg: &Arg, what: &str, min: u64, max: u64) -> Result<u64, ParseError> {
    let expected = || format!("{what}: a whole number from {min} to {max}");
    let v: u64 = arg
        .value
        .parse()
        .map_err(|_| ParseError::new(arg.pos, &expected(), &format!("`{}`", arg.value)))?;
    if v < min || v > max {
        return Err(ParseError::new(arg.pos, &expected(), &v.to_string()));
    }
    Ok(v)
}

/// One integer for both axes, or `HxW`.
pub fn pair(arg: &Arg, what: &str, min: u64, max: u64) -> Result<Pair, ParseError> {
    match arg.value.split_once('x') {
        Some((h, w)) => {
            let h = int(&Arg { value: h, ..*arg }, what, min, max)?;
            let w = int(&Arg { value: w, ..*arg }, what, min, max)?;
            Ok(Pair { h, w })
        }
        None => int(arg, what, min, max).map(Pair::square),
    }
}

/// A finite decimal number in `min..=max`.
pub fn float(arg: &Arg, what: &str, min: f64, max: f64) -> Result<f64, ParseError> {
    let expected = || format!("{what}: a number from {min} to {max}");
    let plain = arg
        .value
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
    let v: f64 = if plain { arg.value.parse().ok() } else { None }
        .ok_or_else(|| ParseError::new(arg.pos, &expected(), &format!("`{}`", arg.value)))?;
    if !(v.is_finite() && v >= min && v <= max) {
        return Err(ParseError::new(arg.pos, &expected(), arg.value));
    }
    // -0 would print as "-0" and parse back unequal in bits; normalise it.
    Ok(if v == 0.0 { 0.0 } else { v })
}
