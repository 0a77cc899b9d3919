//! Tokens of Erlang (`erl_scan`) and Elixir source, with positions.

use super::num::BigInt;
use super::{Lang, ParseError, ParseErrorKind, Span};
use alloc::string::String;
use alloc::vec::Vec;

/// A token.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// An integer.
    Int(BigInt),
    /// A float.
    Float(f64),
    /// An atom: Erlang `foo` / `'Foo'`; Elixir `:foo`, `:"foo"`.
    Atom(String),
    /// An identifier: Erlang variable (`Foo`, `_x`) or Elixir lowercase name.
    Var(String),
    /// An Elixir alias (`Enum`, `Foo.Bar` is several tokens).
    Alias(String),
    /// An Elixir keyword key `name:` (the name).
    Key(String),
    /// A double-quoted string.
    Str(String),
    /// An Elixir single-quoted charlist.
    Charlist(String),
    /// Punctuation or an operator.
    P(&'static str),
    /// A reserved word (`fun`, `end`, `case`, `do`, …).
    Kw(&'static str),
    /// An Elixir newline (a separator).
    Nl,
    /// End of input.
    Eof,
}

const PUNCT: &[&str] = &[
    "=:=", "=/=", "...", "<<", ">>", "<-", "<=", "->", "=>", ":=", "||", "==", "/=", "=<", ">=",
    "++", "--", "::", "**", "|>", "!==", "===", "!=", "&&", "<>", "..", "//", "%{", "(", ")", "{",
    "}", "[", "]", ",", ";", ".", "|", "=", "+", "-", "*", "/", "<", ">", "!", "#", ":", "&", "^",
    "%", "?", "@",
];

const ERLANG_KW: &[&str] = &[
    "fun", "end", "case", "of", "if", "begin", "when", "div", "rem", "band", "bor", "bxor", "bsl",
    "bsr", "bnot", "and", "or", "xor", "not", "andalso", "orelse", "receive", "after", "try",
    "catch",
];
const ELIXIR_KW: &[&str] = &[
    "fn", "end", "do", "case", "if", "else", "when", "and", "or", "not", "in", "for", "true",
    "false", "nil", "cond", "unless",
];

/// Splits `src` into tokens with their spans.
///
/// # Errors
/// A located [`ParseError`] for characters, strings or numbers that do not scan.
/// Whether `c` is a letter of an unquoted name (atom, variable, alias) in `lang`. Erlang's letters are Latin-1's, as
/// its reference manual defines atoms and variables. Elixir allows any Unicode letter in atoms and variables; without
/// core's Unicode tables (2.5 KB gzipped of the wasm module) every character past Latin-1 that is not white space
/// counts as one here, so every valid Elixir name reads as Elixir reads it, and a few that Elixir rejects (`x€`)
/// read as names too.
pub(super) fn is_letter(c: char, lang: Lang) -> bool {
    c.is_ascii_alphabetic()
        || (matches!(c, '\u{c0}'..='\u{ff}') && c != '\u{d7}' && c != '\u{f7}')
        || (lang == Lang::Elixir && c > '\u{ff}' && !c.is_whitespace())
}

/// Whether `c` is a capital that starts an Erlang variable (Latin-1's capitals) or an Elixir alias (ASCII's: Elixir's
/// aliases are ASCII).
fn is_capital(c: char, lang: Lang) -> bool {
    c.is_ascii_uppercase()
        || (lang == Lang::Erlang && matches!(c, '\u{c0}'..='\u{de}') && c != '\u{d7}')
}

pub fn lex(src: &str, lang: Lang) -> Result<Vec<(Tok, Span)>, ParseError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1u32, 1u32);
    let err = |kind, line, col| ParseError {
        kind,
        span: Span { line, col },
    };
    while i < chars.len() {
        let c = chars[i];
        let span = Span { line, col };
        let start = i;
        // Advance over `n` chars, keeping line and column.
        macro_rules! bump {
            ($n:expr) => {
                for _ in 0..$n {
                    if i < chars.len() {
                        if chars[i] == '\n' {
                            line += 1;
                            col = 1;
                        } else {
                            col += 1;
                        }
                        i += 1;
                    }
                }
            };
        }
        if c == '\n' {
            if lang == Lang::Elixir {
                out.push((Tok::Nl, span));
            }
            bump!(1);
            continue;
        }
        if c.is_whitespace() {
            bump!(1);
            continue;
        }
        let comment = if lang == Lang::Erlang { '%' } else { '#' };
        if c == comment {
            while i < chars.len() && chars[i] != '\n' {
                bump!(1);
            }
            continue;
        }
        if c.is_ascii_digit() {
            let mut j = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '_') {
                j += 1;
            }
            let text: String = chars[i..j].iter().collect();
            // Erlang radix: 16#FF; Elixir: 0xFF, 0b1, 0o7.
            if lang == Lang::Erlang && j < chars.len() && chars[j] == '#' {
                let radix: u32 = text.replace('_', "").parse().unwrap_or(0);
                if !(2..=36).contains(&radix) {
                    return Err(err(ParseErrorKind::BadNumber, line, col));
                }
                let mut k = j + 1;
                while k < chars.len() && (chars[k].is_ascii_alphanumeric() || chars[k] == '_') {
                    k += 1;
                }
                let digits: String = chars[j + 1..k].iter().collect();
                let n = BigInt::parse(&digits, radix).ok_or(err(
                    ParseErrorKind::BadNumber,
                    line,
                    col,
                ))?;
                out.push((Tok::Int(n), span));
                bump!(k - i);
                continue;
            }
            if lang == Lang::Elixir
                && text == "0"
                && j < chars.len()
                && matches!(chars[j], 'x' | 'b' | 'o')
            {
                let radix = match chars[j] {
                    'x' => 16,
                    'b' => 2,
                    _ => 8,
                };
                let mut k = j + 1;
                while k < chars.len() && (chars[k].is_ascii_alphanumeric() || chars[k] == '_') {
                    k += 1;
                }
                let digits: String = chars[j + 1..k].iter().collect();
                let n = BigInt::parse(&digits, radix).ok_or(err(
                    ParseErrorKind::BadNumber,
                    line,
                    col,
                ))?;
                out.push((Tok::Int(n), span));
                bump!(k - i);
                continue;
            }
            // A float needs a digit after the dot (so `1..2` and `X.f` stay apart).
            if j + 1 < chars.len() && chars[j] == '.' && chars[j + 1].is_ascii_digit() {
                let mut k = j + 1;
                while k < chars.len() && (chars[k].is_ascii_digit() || chars[k] == '_') {
                    k += 1;
                }
                if k < chars.len() && (chars[k] == 'e' || chars[k] == 'E') {
                    let mut m = k + 1;
                    if m < chars.len() && (chars[m] == '-' || chars[m] == '+') {
                        m += 1;
                    }
                    if m < chars.len() && chars[m].is_ascii_digit() {
                        while m < chars.len() && chars[m].is_ascii_digit() {
                            m += 1;
                        }
                        k = m;
                    }
                }
                let text: String = chars[i..k].iter().filter(|c| **c != '_').collect();
                let f = super::float::parse(&text)
                    .ok_or_else(|| err(ParseErrorKind::BadNumber, line, col))?;
                if !f.is_finite() {
                    return Err(err(ParseErrorKind::BadNumber, line, col));
                }
                out.push((Tok::Float(f), span));
                bump!(k - i);
                continue;
            }
            let n = BigInt::parse(&text, 10).ok_or(err(ParseErrorKind::BadNumber, line, col))?;
            out.push((Tok::Int(n), span));
            bump!(j - i);
            continue;
        }
        // Character literals: Erlang `$a`, Elixir `?a`.
        if (lang == Lang::Erlang && c == '$')
            || (lang == Lang::Elixir && c == '?' && i + 1 < chars.len())
        {
            if i + 1 >= chars.len() {
                return Err(err(ParseErrorKind::Unterminated, line, col));
            }
            let (ch, n) = if chars[i + 1] == '\\' {
                escape(&chars, i + 2).ok_or(err(ParseErrorKind::Unterminated, line, col))?
            } else {
                (chars[i + 1], 1)
            };
            out.push((Tok::Int(BigInt::from_i128(i128::from(u32::from(ch)))), span));
            bump!(1 + n + usize::from(chars[i + 1] == '\\'));
            continue;
        }
        if c == '"' || c == '\'' {
            let (text, n) = quoted(&chars, i + 1, c, lang).ok_or(err(
                ParseErrorKind::Unterminated,
                line,
                col,
            ))?;
            let tok = match (c, lang) {
                ('"', _) => Tok::Str(text),
                (_, Lang::Erlang) => Tok::Atom(text),
                (_, Lang::Elixir) => Tok::Charlist(text),
            };
            // An Elixir string followed by `:` is a keyword key.
            bump!(n + 1);
            out.push((tok, span));
            continue;
        }
        if lang == Lang::Elixir && c == ':' && i + 1 < chars.len() && chars[i + 1] != ':' {
            let n1 = chars[i + 1];
            if n1 == '"' {
                let (text, n) = quoted(&chars, i + 2, '"', lang).ok_or(err(
                    ParseErrorKind::Unterminated,
                    line,
                    col,
                ))?;
                out.push((Tok::Atom(text), span));
                bump!(n + 2);
                continue;
            }
            if is_letter(n1, lang) || n1 == '_' {
                let mut j = i + 1;
                while j < chars.len()
                    && (is_letter(chars[j], lang)
                        || chars[j].is_ascii_digit()
                        || chars[j] == '_'
                        || chars[j] == '@')
                {
                    j += 1;
                }
                if j < chars.len() && (chars[j] == '?' || chars[j] == '!') {
                    j += 1;
                }
                let mut name: String = chars[i + 1..j].iter().collect();
                // `:"Elixir.Foo"`-style dotted aliases: `:Elixir.Foo` is not valid; keep simple names.
                if is_capital(n1, lang) {
                    while j + 1 < chars.len() && chars[j] == '.' && is_capital(chars[j + 1], lang) {
                        let mut k = j + 1;
                        while k < chars.len()
                            && (is_letter(chars[k], lang)
                                || chars[k].is_ascii_digit()
                                || chars[k] == '_')
                        {
                            k += 1;
                        }
                        name.push('.');
                        name.extend(&chars[j + 1..k]);
                        j = k;
                    }
                }
                out.push((Tok::Atom(name), span));
                bump!(j - i);
                continue;
            }
        }
        if is_letter(c, lang) || c == '_' {
            let mut j = i;
            while j < chars.len()
                && (is_letter(chars[j], lang)
                    || chars[j].is_ascii_digit()
                    || chars[j] == '_'
                    || chars[j] == '@')
            {
                j += 1;
            }
            if lang == Lang::Elixir && j < chars.len() && (chars[j] == '?' || chars[j] == '!') {
                j += 1;
            }
            let word: String = chars[i..j].iter().collect();
            let tok = match lang {
                Lang::Erlang => {
                    if let Some(k) = ERLANG_KW.iter().find(|k| **k == word) {
                        Tok::Kw(k)
                    } else if is_capital(c, lang) || c == '_' {
                        Tok::Var(word)
                    } else {
                        Tok::Atom(word)
                    }
                }
                Lang::Elixir => {
                    // `name:` followed by a space is a keyword key.
                    if j < chars.len() && chars[j] == ':' && chars.get(j + 1) != Some(&':') {
                        out.push((Tok::Key(word), span));
                        bump!(j - i + 1);
                        continue;
                    }
                    if let Some(k) = ELIXIR_KW.iter().find(|k| **k == word) {
                        Tok::Kw(k)
                    } else if is_capital(c, lang) {
                        Tok::Alias(word)
                    } else {
                        Tok::Var(word)
                    }
                }
            };
            out.push((tok, span));
            bump!(j - start);
            continue;
        }
        // The next three characters, without an allocation; each candidate is tried only if its first byte matches
        // (a loop's body is lexed once per iteration, so this is on the scenario reader's hot path).
        let mut buf = [0u8; 12];
        let mut len = 0;
        for ch in &chars[i..chars.len().min(i + 3)] {
            len += ch.encode_utf8(&mut buf[len..]).len();
        }
        let rest = core::str::from_utf8(&buf[..len]).unwrap_or("");
        let first = rest.as_bytes().first().copied();
        let Some(p) = PUNCT
            .iter()
            .find(|p| p.as_bytes().first().copied() == first && rest.starts_with(**p))
        else {
            return Err(err(ParseErrorKind::BadChar, line, col));
        };
        // Erlang has no `%{`, `|>`, `&&`, `<>`, `..`, `//`, `!=`, `===`, `!==`: split them.
        let p: &'static str = if lang == Lang::Erlang
            && matches!(
                *p,
                "%{" | "**" | "|>" | "&&" | "<>" | ".." | "//" | "!=" | "===" | "!=="
            ) {
            PUNCT
                .iter()
                .find(|q| q.len() == 1 && rest.starts_with(**q))
                .copied()
                .unwrap_or(p)
        } else if lang == Lang::Elixir && *p == "=<" {
            "="
        } else {
            p
        };
        out.push((Tok::P(p), span));
        bump!(p.chars().count());
    }
    out.push((Tok::Eof, Span { line, col }));
    Ok(out)
}

/// Reads an escape sequence starting after the backslash; returns the char and how many chars it used.
fn escape(chars: &[char], i: usize) -> Option<(char, usize)> {
    let c = *chars.get(i)?;
    Some(match c {
        'n' => ('\n', 1),
        't' => ('\t', 1),
        'r' => ('\r', 1),
        's' => (' ', 1),
        'e' => ('\u{1b}', 1),
        '0'..='7' => {
            let mut j = i;
            let mut v = 0u32;
            while j < chars.len() && j < i + 3 && chars[j].is_digit(8) {
                v = v * 8 + chars[j].to_digit(8)?;
                j += 1;
            }
            (char::from_u32(v)?, j - i)
        }
        'x' => {
            if chars.get(i + 1) == Some(&'{') {
                let mut j = i + 2;
                let mut v = 0u32;
                while j < chars.len() && chars[j] != '}' {
                    v = v.checked_mul(16)?.checked_add(chars[j].to_digit(16)?)?;
                    j += 1;
                }
                (char::from_u32(v)?, j + 1 - i)
            } else {
                let h = chars.get(i + 1)?.to_digit(16)? * 16 + chars.get(i + 2)?.to_digit(16)?;
                (char::from_u32(h)?, 3)
            }
        }
        other => (other, 1),
    })
}

/// Reads a quoted text starting after the quote; returns it and how many chars it used up to the closing quote.
fn quoted(chars: &[char], start: usize, q: char, lang: Lang) -> Option<(String, usize)> {
    let mut s = String::new();
    let mut i = start;
    while i < chars.len() {
        // An Elixir interpolation is kept verbatim, quotes inside it included, up to its closing brace.
        if lang == Lang::Elixir && q == '"' && chars[i] == '#' && chars.get(i + 1) == Some(&'{') {
            let mut depth = 0usize;
            let mut in_str = false;
            let mut j = i + 2;
            s.push_str("#{");
            while j < chars.len() {
                let c = chars[j];
                s.push(c);
                j += 1;
                match c {
                    '"' => in_str = !in_str,
                    '{' if !in_str => depth += 1,
                    '}' if !in_str && depth == 0 => break,
                    '}' if !in_str => depth -= 1,
                    _ => {}
                }
            }
            if j > chars.len() || !s.ends_with('}') {
                return None;
            }
            i = j;
            continue;
        }
        match chars[i] {
            c if c == q => return Some((s, i - start + 1)),
            '\\' => {
                let (c, n) = escape(chars, i + 1)?;
                s.push(c);
                i += 1 + n;
            }
            c => {
                s.push(c);
                i += 1;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str, lang: Lang) -> Vec<Tok> {
        lex(src, lang)
            .unwrap_or_else(|e| panic!("{src}: {e:?}"))
            .into_iter()
            .map(|(t, _)| t)
            .collect()
    }

    #[test]
    fn erlang_names_are_latin1() {
        // Atoms start with a small letter (ß–ÿ but ÷ included), variables with a capital (À–Þ but ×) or `_`.
        assert_eq!(
            toks("café", Lang::Erlang),
            [Tok::Atom("café".into()), Tok::Eof]
        );
        assert_eq!(
            toks("Été", Lang::Erlang),
            [Tok::Var("Été".into()), Tok::Eof]
        );
        assert_eq!(
            toks("øx@h1", Lang::Erlang),
            [Tok::Atom("øx@h1".into()), Tok::Eof]
        );
        // Past Latin-1 is not a letter in Erlang (erl_scan says "illegal character").
        assert!(lex("λ", Lang::Erlang).is_err());
        assert!(lex("a × b", Lang::Erlang).map_or(true, |t| !t
            .iter()
            .any(|(t, _)| matches!(t, Tok::Atom(a) if a.contains('×')))));
    }

    #[test]
    fn elixir_names_may_be_unicode() {
        assert_eq!(
            toks("名前", Lang::Elixir),
            [Tok::Var("名前".into()), Tok::Eof]
        );
        assert_eq!(
            toks("olá_mundo", Lang::Elixir),
            [Tok::Var("olá_mundo".into()), Tok::Eof]
        );
        assert_eq!(
            toks(":ñandú", Lang::Elixir),
            [Tok::Atom("ñandú".into()), Tok::Eof]
        );
        assert_eq!(toks("Foo.Bar", Lang::Elixir)[0], Tok::Alias("Foo".into()));
        // Radix digits are ASCII.
        assert_eq!(
            toks("0xFF", Lang::Elixir),
            [Tok::Int(BigInt::from_i128(255)), Tok::Eof]
        );
        assert_eq!(
            toks("16#ff", Lang::Erlang),
            [Tok::Int(BigInt::from_i128(255)), Tok::Eof]
        );
    }
}
