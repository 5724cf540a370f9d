//! A statement with the values bound to it, as the SQL backends run it: the shared code
//! (`sql_backend`) writes the text once and binds by `$n`, and each backend hands the
//! statement to its driver. Values are borrowed where they can be, so binding an alert's
//! body costs no copy on the intake path.

use baton_core::Timestamp;
use std::borrow::Cow;

/// A value bound to a placeholder. Nulls keep their type: PostgreSQL is told each
/// parameter's type, and a NULL of the wrong one fails the statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Int(Option<i64>),
    Text(Option<Cow<'a, str>>),
    Bool(bool),
}

/// SQL text and the values of its placeholders, `$1` first.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement<'a> {
    pub sql: Cow<'a, str>,
    pub params: Vec<Value<'a>>,
}

impl<'a> Statement<'a> {
    pub fn new(sql: impl Into<Cow<'a, str>>) -> Self {
        Statement { sql: sql.into(), params: Vec::new() }
    }

    pub fn int(self, v: i64) -> Self {
        self.with(Value::Int(Some(v)))
    }

    pub fn opt_int(self, v: Option<i64>) -> Self {
        self.with(Value::Int(v))
    }

    pub fn text(self, v: impl Into<Cow<'a, str>>) -> Self {
        self.with(Value::Text(Some(v.into())))
    }

    pub fn opt_text<T: Into<Cow<'a, str>>>(self, v: Option<T>) -> Self {
        self.with(Value::Text(v.map(Into::into)))
    }

    pub fn flag(self, v: bool) -> Self {
        self.with(Value::Bool(v))
    }

    /// An instant, stored as microseconds since the epoch (see [`us`]).
    pub fn instant(self, t: Timestamp) -> Self {
        self.int(us(t))
    }

    pub fn opt_instant(self, t: Option<Timestamp>) -> Self {
        self.opt_int(t.map(us))
    }

    /// Binds `v` to the next placeholder, answering its number (for text built at run time).
    pub fn push(&mut self, v: Value<'a>) -> usize {
        self.params.push(v);
        self.params.len()
    }

    fn with(mut self, v: Value<'a>) -> Self {
        self.params.push(v);
        self
    }
}

/// Instants are stored as microseconds since the epoch: exact, and the audit hash covers
/// exactly that precision.
pub fn us(t: Timestamp) -> i64 {
    t.as_microsecond()
}
