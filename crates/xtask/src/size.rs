//! `cargo xtask size`: what the shipped wasm module's bytes are, by function and by module path.
//!
//! The shipped module has no names (wasm-opt drops them), so this builds a second one the same way with the names
//! kept (`wasm-bindgen --keep-debug`, `wasm-opt -Oz … -g`), lists its sections, and reads the code section's
//! function bodies against the name section. Code sizes are raw bytes; the module's gzipped size is the
//! `lifecycle.test.mjs` size test's business. `docs/xtask.md` has what the last cuts gave.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use crate::toolchain::WasmToolchain;
use crate::{run, wasm, Result};

/// `cargo xtask size [--top N]`.
pub fn size(root: &Path, args: &[&str]) -> Result {
    let top = match args {
        [] => 40,
        ["--top", n] => n
            .parse()
            .map_err(|_| format!("--top wants a number, got `{n}`"))?,
        _ => return Err(format!("unknown size arguments {args:?}")),
    };
    let toolchain: WasmToolchain = crate::toolchain::wasm_toolchain(root)?;
    let tools_bin = crate::toolchain::wasm_bindgen_cli(root)?;
    crate::toolchain::npm_packages(root)?;
    let module = wasm::package(root, &toolchain, &tools_bin)?;
    let out = root.join("target/xtask/size");
    fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    run(Command::new(tools_bin.join("wasm-bindgen"))
        .args(["--target", "web", "--keep-debug", "--out-dir"])
        .arg(&out)
        .arg(&module))?;
    let named = out.join("named.wasm");
    run(Command::new(root.join("node_modules/.bin/wasm-opt"))
        .arg("-Oz")
        .args(wasm::OPT_FLAGS)
        .arg("-g")
        .arg(out.join("beamviz_wasm_bg.wasm"))
        .arg("-o")
        .arg(&named))?;
    let bytes = fs::read(&named).map_err(|e| format!("{}: {e}", named.display()))?;
    let module = Module::read(&bytes).map_err(|e| format!("{}: {e}", named.display()))?;
    print!("{}", module.report(top));
    Ok(())
}

/// What the report needs of a module: section sizes and each defined function's body size and name.
struct Module {
    sections: Vec<(String, usize)>,
    /// (size of the body in bytes, name or `#index`), in the module's order.
    functions: Vec<(usize, String)>,
}

impl Module {
    fn read(bytes: &[u8]) -> std::result::Result<Module, String> {
        let mut r = Reader { bytes, at: 8 };
        if bytes.get(..4) != Some(b"\0asm".as_slice()) {
            return Err("not a wasm module".into());
        }
        let (mut sections, mut imported, mut bodies, mut names) =
            (Vec::new(), 0, Vec::new(), BTreeMap::new());
        while r.at < bytes.len() {
            let id = r.byte()?;
            let len = r.leb()? as usize;
            let end = r.at + len;
            let mut s = Reader {
                bytes: bytes.get(..end).ok_or("a section runs past the end")?,
                at: r.at,
            };
            let name = match id {
                0 => {
                    let name = s.name()?;
                    if name == "name" {
                        read_names(&mut s, &mut names)?;
                    }
                    format!("custom {name}")
                }
                2 => {
                    imported = count_function_imports(&mut s)?;
                    "import".into()
                }
                10 => {
                    for _ in 0..s.leb()? {
                        let size = s.leb()? as usize;
                        bodies.push(size);
                        s.at += size;
                    }
                    "code".into()
                }
                11 => "data".into(),
                other => {
                    const NAMES: [&str; 14] = [
                        "custom",
                        "type",
                        "import",
                        "function",
                        "table",
                        "memory",
                        "global",
                        "export",
                        "start",
                        "element",
                        "code",
                        "data",
                        "data count",
                        "tag",
                    ];
                    NAMES
                        .get(usize::from(other))
                        .map_or_else(|| format!("section {other}"), |n| n.to_string())
                }
            };
            sections.push((name, len));
            r.at = end;
        }
        let functions = bodies
            .into_iter()
            .enumerate()
            .map(|(i, size)| {
                let index = imported + i as u32;
                let name = names.remove(&index).unwrap_or_else(|| format!("#{index}"));
                (size, name)
            })
            .collect();
        Ok(Module {
            sections,
            functions,
        })
    }

    fn report(&self, top: usize) -> String {
        let mut out = String::from("sections (bytes):\n");
        for (name, len) in &self.sections {
            out.push_str(&format!("{len:>9}  {name}\n"));
        }
        let mut by_path: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (size, name) in &self.functions {
            let entry = by_path.entry(module_path(name)).or_default();
            entry.0 += size;
            entry.1 += 1;
        }
        let mut by_path: Vec<_> = by_path.into_iter().collect();
        by_path.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then_with(|| a.0.cmp(&b.0)));
        out.push_str(&format!(
            "\ncode by module path (bytes, functions), the largest {top}:\n"
        ));
        for (path, (size, count)) in by_path.iter().take(top) {
            out.push_str(&format!("{size:>9} {count:>5}  {path}\n"));
        }
        let mut functions: Vec<_> = self.functions.iter().collect();
        functions.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        out.push_str(&format!("\nthe largest {top} functions (bytes):\n"));
        for (size, name) in functions.into_iter().take(top) {
            out.push_str(&format!("{size:>9}  {}\n", strip_hashes(name)));
        }
        out
    }
}

/// A function's module path, three segments deep (`beamviz::expr::eval`, `alloc::collections::btree`), read from
/// its demangled name: the first path, inside `<…>` for a method.
fn module_path(name: &str) -> String {
    let name = strip_hashes(name);
    let start = name.trim_start_matches(['<', '&']);
    let path: String = start
        .chars()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | ':'))
        .collect();
    let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).take(3).collect();
    if segments.is_empty() {
        name.chars().take(40).collect()
    } else {
        segments.join("::")
    }
}

/// The name without the crate hashes wasm-bindgen's demangling leaves (`beamviz[0123456789abcdef]`).
fn strip_hashes(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(open) = rest.find('[') {
        let hash = rest[open + 1..].split(']').next().unwrap_or("");
        out.push_str(&rest[..open]);
        if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) {
            rest = &rest[open + 18..];
        } else {
            out.push('[');
            rest = &rest[open + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// The number of imported functions: defined functions are numbered after them.
fn count_function_imports(s: &mut Reader<'_>) -> std::result::Result<u32, String> {
    let mut functions = 0;
    for _ in 0..s.leb()? {
        s.name()?;
        s.name()?;
        match s.byte()? {
            0 => {
                s.leb()?;
                functions += 1;
            }
            1 => {
                s.byte()?;
                s.limits()?;
            }
            2 => s.limits()?,
            3 => {
                s.byte()?;
                s.byte()?;
            }
            4 => {
                s.byte()?;
                s.leb()?;
            }
            kind => return Err(format!("unknown import kind {kind}")),
        }
    }
    Ok(functions)
}

/// The function names (subsection 1) of a `name` section.
fn read_names(
    s: &mut Reader<'_>,
    names: &mut BTreeMap<u32, String>,
) -> std::result::Result<(), String> {
    while s.at < s.bytes.len() {
        let id = s.byte()?;
        let len = s.leb()? as usize;
        let end = s.at + len;
        if id == 1 {
            for _ in 0..s.leb()? {
                let index = s.leb()? as u32;
                names.insert(index, s.name()?);
            }
        }
        s.at = end;
    }
    Ok(())
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> std::result::Result<u8, String> {
        let b = *self
            .bytes
            .get(self.at)
            .ok_or_else(|| format!("unexpected end at byte {}", self.at))?;
        self.at += 1;
        Ok(b)
    }

    fn leb(&mut self) -> std::result::Result<u64, String> {
        let (mut value, mut shift) = (0u64, 0);
        loop {
            let b = self.byte()?;
            if shift < 64 {
                value |= u64::from(b & 0x7f) << shift;
            }
            shift += 7;
            if b < 0x80 {
                return Ok(value);
            }
        }
    }

    fn name(&mut self) -> std::result::Result<String, String> {
        let len = self.leb()? as usize;
        let text = self
            .bytes
            .get(self.at..self.at + len)
            .ok_or_else(|| format!("a name runs past the end at byte {}", self.at))?;
        self.at += len;
        Ok(String::from_utf8_lossy(text).into_owned())
    }

    fn limits(&mut self) -> std::result::Result<(), String> {
        let flags = self.byte()?;
        self.leb()?;
        if flags & 1 == 1 {
            self.leb()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module with one imported function, two defined ones (bodies of 2 and 3 bytes) and names for them.
    fn tiny_module() -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        // Import section: 1 import, "m"."f", function of type 0.
        m.extend([2, 7, 1, 1, b'm', 1, b'f', 0, 0]);
        // Code section: 2 bodies.
        m.extend([10, 8, 2, 2, 0, 0x0b, 3, 0, 0x01, 0x0b]);
        // Name section: function names 1 → "a::b::c::d", 2 → "<x::y>::z".
        let names: Vec<u8> = [
            vec![2, 1, 10],
            b"a::b::c::d".to_vec(),
            vec![2, 9],
            b"<x::y>::z".to_vec(),
        ]
        .concat();
        let sub: Vec<u8> = [vec![1, names.len() as u8], names].concat();
        let body: Vec<u8> = [vec![4], b"name".to_vec(), sub].concat();
        m.extend([0, body.len() as u8]);
        m.extend(body);
        m
    }

    #[test]
    fn functions_get_their_names_and_sizes() {
        let module = Module::read(&tiny_module()).unwrap();
        assert_eq!(
            module.functions,
            [(2, "a::b::c::d".to_string()), (3, "<x::y>::z".to_string())]
        );
        let report = module.report(10);
        assert!(report.contains("        3     1  x::y"), "{report}");
        assert!(report.contains("        2     1  a::b::c"), "{report}");
    }

    #[test]
    fn a_truncated_module_is_an_error() {
        let mut m = tiny_module();
        m.truncate(m.len() - 3);
        assert!(Module::read(&m).is_err());
        assert!(Module::read(b"not wasm").is_err());
    }

    #[test]
    fn hashes_are_stripped() {
        assert_eq!(
            strip_hashes("<beamviz[ad5166116df37691]::vm::Vm>::apply[1]"),
            "<beamviz::vm::Vm>::apply[1]"
        );
        assert_eq!(
            module_path("<&str as core[5ea40bf6a62ad567]::fmt::Debug>::fmt"),
            "str"
        );
    }
}
