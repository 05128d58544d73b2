//! Diagnostics as Terraform shows them: a severity, a summary, a detail and,
//! where the problem has one, the path of the attribute it is about.

use std::fmt;

use super::proto::tfplugin6 as tf;

/// One step of an attribute path: `execution_roles["etl"].namespaces[0]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    Attribute(String),
    Key(String),
    Index(i64),
}

/// Where in a configuration (or state) a diagnostic points.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AttributePath {
    pub steps: Vec<Step>,
}

impl AttributePath {
    pub fn new(attribute: impl Into<String>) -> Self {
        Self {
            steps: vec![Step::Attribute(attribute.into())],
        }
    }

    pub fn root() -> Self {
        Self::default()
    }

    pub fn attribute(mut self, name: impl Into<String>) -> Self {
        self.steps.push(Step::Attribute(name.into()));
        self
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.steps.push(Step::Key(key.into()));
        self
    }

    pub fn index(mut self, index: i64) -> Self {
        self.steps.push(Step::Index(index));
        self
    }

    pub fn is_root(&self) -> bool {
        self.steps.is_empty()
    }

    pub fn to_proto(&self) -> tf::AttributePath {
        use tf::attribute_path::step::Selector;
        tf::AttributePath {
            steps: self
                .steps
                .iter()
                .map(|step| tf::attribute_path::Step {
                    selector: Some(match step {
                        Step::Attribute(name) => Selector::AttributeName(name.clone()),
                        Step::Key(key) => Selector::ElementKeyString(key.clone()),
                        Step::Index(index) => Selector::ElementKeyInt(*index),
                    }),
                })
                .collect(),
        }
    }
}

impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, step) in self.steps.iter().enumerate() {
            match step {
                Step::Attribute(name) if position == 0 => write!(f, "{name}")?,
                Step::Attribute(name) => write!(f, ".{name}")?,
                Step::Key(key) => write!(f, "[{key:?}]")?,
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub path: Option<AttributePath>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }

    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(summary, detail)
        }
    }

    pub fn warning_at(
        summary: impl Into<String>,
        detail: impl Into<String>,
        path: AttributePath,
    ) -> Self {
        Self::warning(summary, detail).at(path)
    }

    pub fn at(mut self, path: AttributePath) -> Self {
        self.path = (!path.is_root()).then_some(path);
        self
    }

    fn to_proto(&self) -> tf::Diagnostic {
        tf::Diagnostic {
            severity: match self.severity {
                Severity::Error => tf::diagnostic::Severity::Error,
                Severity::Warning => tf::diagnostic::Severity::Warning,
            } as i32,
            summary: self.summary.clone(),
            detail: self.detail.clone(),
            attribute: self.path.as_ref().map(AttributePath::to_proto),
        }
    }
}

/// The diagnostics of one request, in the order they were found.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// An error about one attribute.
    pub fn error(
        &mut self,
        summary: impl Into<String>,
        detail: impl Into<String>,
        path: AttributePath,
    ) {
        self.push(Diagnostic::error(summary, detail).at(path));
    }

    /// An error about the resource (or provider) as a whole.
    pub fn root_error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::error(summary, detail));
    }

    pub fn root_warning(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::warning(summary, detail));
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.severity == Severity::Error)
    }

    pub fn to_proto(&self) -> Vec<tf::Diagnostic> {
        self.items.iter().map(Diagnostic::to_proto).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_like_terraform_addresses() {
        let path = AttributePath::new("execution_roles")
            .key("etl")
            .attribute("namespaces")
            .index(0);
        assert_eq!(path.to_string(), "execution_roles[\"etl\"].namespaces[0]");
        assert_eq!(path.to_proto().steps.len(), 4);
    }

    #[test]
    fn root_diagnostics_carry_no_path() {
        let mut diags = Diagnostics::default();
        diags.root_error("Broken", "why");
        diags.push(Diagnostic::warning_at(
            "Careful",
            "why",
            AttributePath::new("name"),
        ));
        assert!(diags.has_errors());
        let sent = diags.to_proto();
        assert!(sent[0].attribute.is_none());
        assert_eq!(sent[1].attribute.as_ref().map(|a| a.steps.len()), Some(1));
    }
}
