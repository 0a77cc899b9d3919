//! Elixir expression syntax (a teaching subset), parsed into the shared [`Expr`] tree.

use super::lexer::Tok;
use super::{Expr, ParseError, ParseErrorKind, Span};
use alloc::vec::Vec;

pub(super) fn parse(toks: Vec<(Tok, Span)>) -> Result<Expr, ParseError> {
    Err(ParseError { kind: ParseErrorKind::Unsupported, span: toks[0].1 })
}
