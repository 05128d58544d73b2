//! The one error type of the value layer: a message and the attribute path it
//! concerns, so that callers can turn it into a diagnostic on that attribute.

use std::fmt;

/// One step from a value into a part of it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// An object attribute (or a struct field).
    Attribute(String),
    /// A map element.
    Key(String),
    /// A list, set or tuple element.
    Index(i64),
}

/// A decoding, encoding or conversion failure at `path`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", Where(.path))]
pub struct CodecError {
    pub path: Vec<PathStep>,
    pub message: String,
}

impl CodecError {
    /// An error at the root; enclosing containers prepend their steps as the
    /// error travels back out (see `at`).
    pub fn new(message: impl Into<String>) -> Self {
        CodecError {
            path: Vec::new(),
            message: message.into(),
        }
    }

    /// The same error one level further out: `step` leads to where it was.
    pub fn at(mut self, step: PathStep) -> Self {
        self.path.insert(0, step);
        self
    }

    /// The path alone, as `.a["k"][0]` (empty at the root).
    pub fn path_string(&self) -> String {
        render_path(&self.path)
    }
}

fn render_path(path: &[PathStep]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            PathStep::Attribute(name) => {
                out.push('.');
                out.push_str(name);
            }
            PathStep::Key(key) => out.push_str(&format!("[{key:?}]")),
            PathStep::Index(index) => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

/// Renders "at PATH: " before the message, or nothing at the root.
struct Where<'a>(&'a Vec<PathStep>);

impl fmt::Display for Where<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return Ok(());
        }
        write!(f, "at {}: ", render_path(self.0))
    }
}

/// Serde's own errors (a missing field, an unexpected type, a custom message
/// from a `Deserialize` impl) become codec errors; the bridge adds the path.
impl serde::de::Error for CodecError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        CodecError::new(msg.to_string())
    }
}

impl serde::ser::Error for CodecError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        CodecError::new(msg.to_string())
    }
}
