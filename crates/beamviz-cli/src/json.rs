//! A small JSON writer: objects, arrays, strings and unsigned numbers, written in order, one value per line.
//!
//! Hand-written so the command has no dependencies; commas are placed by tracking whether a container is empty.

use std::fmt::Write;

/// Writes one JSON value into a string.
#[derive(Default)]
pub struct Writer {
    out: String,
    /// For each open container: whether it has an element yet.
    first: Vec<bool>,
    /// A key was just written: the next value needs no comma.
    after_key: bool,
}

impl Writer {
    /// Takes the written text and resets the writer.
    pub fn take(&mut self) -> String {
        self.first.clear();
        self.after_key = false;
        std::mem::take(&mut self.out)
    }

    fn sep(&mut self) {
        if self.after_key {
            self.after_key = false;
            return;
        }
        if let Some(first) = self.first.last_mut() {
            if !*first {
                self.out.push(',');
            }
            *first = false;
        }
    }

    /// An object; `f` writes its fields.
    pub fn obj(&mut self, f: impl FnOnce(&mut Writer)) {
        self.sep();
        self.out.push('{');
        self.first.push(true);
        f(self);
        self.first.pop();
        self.out.push('}');
    }

    /// An array; `f` writes its elements.
    pub fn arr(&mut self, f: impl FnOnce(&mut Writer)) {
        self.sep();
        self.out.push('[');
        self.first.push(true);
        f(self);
        self.first.pop();
        self.out.push(']');
    }

    /// A key inside an object; the next call writes its value.
    pub fn key(&mut self, k: &str) {
        self.str(k);
        self.out.push(':');
        self.after_key = true;
    }

    /// A string value.
    pub fn str(&mut self, s: &str) {
        self.sep();
        self.out.push('"');
        for c in s.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                '\t' => self.out.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(self.out, "\\u{:04x}", c as u32);
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    /// A number value.
    pub fn num(&mut self, n: u64) {
        self.sep();
        let _ = write!(self.out, "{n}");
    }

    /// A literal (`null`, `true`, `false`).
    pub fn raw(&mut self, s: &str) {
        self.sep();
        self.out.push_str(s);
    }

    /// `"k": "v"`.
    pub fn field_str(&mut self, k: &str, v: &str) {
        self.key(k);
        self.str(v);
    }

    /// `"k": n`.
    pub fn field_num(&mut self, k: &str, n: u64) {
        self.key(k);
        self.num(n);
    }
}

#[cfg(test)]
mod tests {
    use super::Writer;

    #[test]
    fn writes_nested_values_with_commas_and_escapes() {
        let mut j = Writer::default();
        j.obj(|j| {
            j.field_str("a", "x\"y\n");
            j.key("b");
            j.arr(|j| {
                j.num(1);
                j.obj(|_| {});
                j.raw("null");
            });
            j.field_num("c", 2);
        });
        assert_eq!(j.take(), r#"{"a":"x\"y\n","b":[1,{},null],"c":2}"#);
    }
}
