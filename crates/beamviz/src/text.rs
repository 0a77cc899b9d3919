//! Substring search for the few places that look for a short marker (`#{`, `<0.`) in text.
//!
//! core's `str::find(&str)` is the Two-Way algorithm: 2.2 KB of the wasm module for searches whose needles are two
//! or three bytes long. A scan over the bytes finds the same first match.

use alloc::string::String;

/// The byte offset of the first `needle` in `hay` (0 for an empty `needle`). A match of UTF-8 text always starts
/// on a character boundary, so the offset can slice `hay`.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    (0..(h.len() + 1).saturating_sub(n.len())).find(|&at| h[at..].starts_with(n))
}

/// Whether `needle` occurs in `hay`.
pub fn contains(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

/// `hay` with every `needle` replaced by `with`, left to right, as `str::replace` (an empty `needle` replaces
/// nothing: `str::replace` would put `with` between every two characters).
pub fn replace(hay: &str, needle: &str, with: &str) -> String {
    if needle.is_empty() {
        return String::from(hay);
    }
    let mut out = String::with_capacity(hay.len());
    let mut rest = hay;
    while let Some(at) = find(rest, needle) {
        out.push_str(&rest[..at]);
        out.push_str(with);
        rest = &rest[at + needle.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_core() {
        let hays = [
            "",
            "#",
            "#{",
            "a#{b}#{c}",
            "{#{#{",
            "<0.1.0> and <0.22.0>",
            "héllo #{wörld}",
            "<0.",
            "x<0",
        ];
        for hay in hays {
            for needle in ["#{", "<0.", "#{b}", "é", "x"] {
                assert_eq!(find(hay, needle), hay.find(needle), "{hay:?} {needle:?}");
                assert_eq!(contains(hay, needle), hay.contains(needle));
                assert_eq!(replace(hay, needle, "Z"), hay.replace(needle, "Z"));
            }
        }
    }
}
