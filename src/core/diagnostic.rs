//! Why a row has no numbers: the layer itself is impossible, or it depends on one that is.

use std::fmt;

/// A row's diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Diagnostic {
    /// This layer cannot run on its input; the text names the layer and the reason.
    Invalid(String),
    /// This layer depends on an impossible one (given by its path), so it was not computed.
    NotComputed { cause: String },
}

impl Diagnostic {
    /// Whether this row is itself the cause (as opposed to a consequence).
    pub fn is_cause(&self) -> bool {
        matches!(self, Diagnostic::Invalid(_))
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Diagnostic::Invalid(msg) => f.write_str(msg),
            Diagnostic::NotComputed { cause } => write!(
                f,
                "not computed: it depends on {cause}, which is impossible"
            ),
        }
    }
}
