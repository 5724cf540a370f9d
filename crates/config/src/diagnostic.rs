//! A problem found in a definition file, pointing at where it is.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Relative to the definition repo's root.
    pub file: PathBuf,
    /// 1-based; 0 when the problem is about the file as a whole.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line.max(1), self.column.max(1))?;
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        f.write_str(&self.message)
    }
}

/// A place in a file, to which diagnostics are attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl Place {
    pub fn error(&self, message: impl Into<String>) -> Diagnostic {
        self.with(Severity::Error, message)
    }
    pub fn warning(&self, message: impl Into<String>) -> Diagnostic {
        self.with(Severity::Warning, message)
    }
    fn with(&self, severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity, file: self.file.clone(), line: self.line, column: self.column, message: message.into() }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}
