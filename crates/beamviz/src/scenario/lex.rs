//! Tokens of one statement line, in Elixir or Erlang syntax.
//!
//! Model: only the tokens the statement subset needs; a comment (`#` in Elixir, `%` in Erlang) ends the line.

use super::{ErrorKind, ParseError, Span, Syntax};
use alloc::vec::Vec;

/// A token's kind. Texts are byte ranges of the line, see [`Token`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Tok {
    /// An integer literal (`1_000` allowed), as written: its value is read by the parser.
    Int,
    /// A lowercase name: an Elixir variable or function, an Erlang atom or function.
    Ident,
    /// A capitalized name: an Elixir module alias, an Erlang variable.
    Upper,
    /// An Elixir `:atom` / `:"atom"` or an Erlang `'atom'`; the text range is the name.
    Atom,
    /// A double-quoted string; the text range is its contents.
    Str,
    /// A float literal.
    Float,
    /// Punctuation or an operator.
    Punct(&'static str),
}

/// A token with its byte range in the line (for atoms and strings, the range of the name or contents).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
    /// The whole token as written, quotes and `:` included.
    pub from: usize,
    pub to: usize,
}

const PUNCTS: &[&str] = &[
    "...", "..", "->", "<-", "<<", ">>", "==", "!=", "=<", "<=", ">=", "||", "//", "::", "=", "(",
    ")", "{", "}", "[", "]", ",", ".", "!", "|", ":", "<", ">", "-", "+", "*", "/", "%", "&", "^",
    "@", ";", "~", "?", "#", "$", "\\",
];

/// A span in line `line` covering bytes `start..end` of `text`, in characters.
pub(crate) fn span(line: u32, text: &str, start: usize, end: usize) -> Span {
    let start = start.min(text.len());
    let end = end.clamp(start, text.len());
    let col = text.get(..start).map_or(0, |s| s.chars().count()) as u32 + 1;
    let len = text.get(start..end).map_or(0, |s| s.chars().count()) as u32;
    Span {
        line,
        col,
        len: len.max(1),
    }
}

/// Splits `text` (one line) into tokens. `offset` is where `text` starts in the line `full`, for spans.
pub(crate) fn tokens(
    full: &str,
    offset: usize,
    line: u32,
    syntax: Syntax,
) -> Result<Vec<Token>, ParseError> {
    let bytes = full.as_bytes();
    let mut out = Vec::new();
    let mut i = offset;
    let err = |kind, s, e| ParseError {
        kind,
        span: span(line, full, s, e),
    };
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let comment = match syntax {
            Syntax::Elixir => b'#',
            Syntax::Erlang => b'%',
        };
        if c == b' ' || c == b'\t' || c == b'\r' {
            i += 1;
            continue;
        }
        if c == comment {
            break;
        }
        if c.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'_') {
                i += 1;
            }
            // `1.5` is a float, `1..5` a range.
            if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
                i += 1;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Float,
                    start,
                    end: i,
                    from: start,
                    to: i,
                });
                continue;
            }
            out.push(Token {
                tok: Tok::Int,
                start,
                end: i,
                from: start,
                to: i,
            });
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            if syntax == Syntax::Elixir && i < bytes.len() && (bytes[i] == b'?' || bytes[i] == b'!')
            {
                i += 1;
            }
            let tok = if c.is_ascii_uppercase() || (syntax == Syntax::Erlang && c == b'_') {
                Tok::Upper
            } else {
                Tok::Ident
            };
            out.push(Token {
                tok,
                start,
                end: i,
                from: start,
                to: i,
            });
            continue;
        }
        if c == b'"' || (c == b'\'' && syntax == Syntax::Erlang) {
            let (s, e) = quoted(bytes, i)
                .ok_or_else(|| err(ErrorKind::UnterminatedString, i, bytes.len()))?;
            let tok = if c == b'"' { Tok::Str } else { Tok::Atom };
            out.push(Token {
                tok,
                start: s,
                end: e,
                from: start,
                to: e + 1,
            });
            i = e + 1;
            continue;
        }
        if c == b':' && syntax == Syntax::Elixir && i + 1 < bytes.len() {
            let n = bytes[i + 1];
            if n == b'"' {
                let (s, e) = quoted(bytes, i + 1)
                    .ok_or_else(|| err(ErrorKind::UnterminatedString, i, bytes.len()))?;
                out.push(Token {
                    tok: Tok::Atom,
                    start: s,
                    end: e,
                    from: start,
                    to: e + 1,
                });
                i = e + 1;
                continue;
            }
            if n.is_ascii_alphabetic() || n == b'_' {
                i += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'@')
                {
                    i += 1;
                }
                if i < bytes.len() && (bytes[i] == b'?' || bytes[i] == b'!') {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Atom,
                    start: start + 1,
                    end: i,
                    from: start,
                    to: i,
                });
                continue;
            }
        }
        let rest = &bytes[i..];
        let Some(p) = PUNCTS.iter().find(|p| rest.starts_with(p.as_bytes())) else {
            let ch_len = full[i..].chars().next().map_or(1, char::len_utf8);
            return Err(err(ErrorKind::InvalidCharacter, i, i + ch_len));
        };
        i += p.len();
        out.push(Token {
            tok: Tok::Punct(p),
            start,
            end: i,
            from: start,
            to: i,
        });
    }
    Ok(out)
}

/// The contents range of the quoted text starting at `open` (the quote), honouring backslash escapes.
fn quoted(bytes: &[u8], open: usize) -> Option<(usize, usize)> {
    let q = bytes[open];
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            c if c == q => return Some((open + 1, i)),
            _ => i += 1,
        }
    }
    None
}

/// A cursor over the tokens of one statement.
pub(crate) struct Cursor<'a> {
    /// The whole line, for texts and spans.
    pub line: &'a str,
    pub toks: Vec<Token>,
    pub pos: usize,
    pub line_no: u32,
    pub syntax: Syntax,
}

impl<'a> Cursor<'a> {
    /// Tokens of `line[offset..]`.
    pub fn new(
        line: &'a str,
        offset: usize,
        line_no: u32,
        syntax: Syntax,
    ) -> Result<Self, ParseError> {
        Ok(Cursor {
            line,
            toks: tokens(line, offset, line_no, syntax)?,
            pos: 0,
            line_no,
            syntax,
        })
    }

    pub fn peek(&self) -> Option<Token> {
        self.toks.get(self.pos).copied()
    }

    pub fn peek_at(&self, ahead: usize) -> Option<Token> {
        self.toks.get(self.pos + ahead).copied()
    }

    pub fn next(&mut self) -> Option<Token> {
        let t = self.peek();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    pub fn text(&self, t: Token) -> &'a str {
        &self.line[t.start..t.end]
    }

    pub fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Punct(q), .. }) if q == p)
    }

    /// Whether the next tokens are the names and punctuation `words` (e.g. `["Process", ".", "exit"]`).
    pub fn looks_at(&self, words: &[&str]) -> bool {
        words.iter().enumerate().all(|(k, w)| {
            self.peek_at(k).is_some_and(|t| match t.tok {
                Tok::Punct(p) => p == *w,
                Tok::Ident | Tok::Upper | Tok::Atom => self.text(t) == *w,
                _ => false,
            })
        })
    }

    pub fn eat_punct(&mut self, p: &str) -> bool {
        if self.is_punct(p) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes punctuation `p`, or fails at the next token.
    pub fn expect_punct(&mut self, p: &str) -> Result<Token, ParseError> {
        match self.peek() {
            Some(
                t @ Token {
                    tok: Tok::Punct(q), ..
                },
            ) if q == p => {
                self.pos += 1;
                Ok(t)
            }
            _ => Err(self.error_here(ErrorKind::UnexpectedToken)),
        }
    }

    pub fn span_of(&self, t: Token) -> Span {
        span(self.line_no, self.line, t.from, t.to)
    }

    pub fn error_at(&self, t: Token, kind: ErrorKind) -> ParseError {
        ParseError {
            kind,
            span: self.span_of(t),
        }
    }

    /// An error at the next token, or [`ErrorKind::UnexpectedEnd`] at the end of the line.
    pub fn error_here(&self, kind: ErrorKind) -> ParseError {
        match self.peek() {
            Some(t) => self.error_at(t, kind),
            None => self.error_end(),
        }
    }

    pub fn error_end(&self) -> ParseError {
        let end = self.line.trim_end().len();
        ParseError {
            kind: ErrorKind::UnexpectedEnd,
            span: span(self.line_no, self.line, end, end + 1),
        }
    }

    /// Fails unless the statement is complete.
    pub fn finish(&self) -> Result<(), ParseError> {
        match self.peek() {
            None => Ok(()),
            Some(t) => Err(self.error_at(t, ErrorKind::TrailingInput)),
        }
    }

    /// Reads an integer literal, with an optional leading `-`.
    pub fn int(&mut self) -> Result<i64, ParseError> {
        let neg = self.eat_punct("-");
        let Some(t) = self.peek() else {
            return Err(self.error_end());
        };
        if t.tok != Tok::Int {
            return Err(self.error_at(t, ErrorKind::ExpectedInteger));
        }
        self.pos += 1;
        let mut n: i128 = 0;
        for b in self.text(t).bytes().filter(|b| *b != b'_') {
            n = n * 10 + i128::from(b - b'0');
            if n > i128::from(u64::MAX) {
                return Err(self.error_at(t, ErrorKind::IntegerOutOfRange));
            }
        }
        let n = if neg { -n } else { n };
        i64::try_from(n).map_err(|_| self.error_at(t, ErrorKind::IntegerOutOfRange))
    }
}
