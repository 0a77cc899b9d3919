//! `cargo xtask dist`: a self-contained folder a tutorial site copies as it is, which is also an npm package.
//!
//! `dist/` holds the page (`index.html`, `style.css`), the embedding page (`embed.html`, `embed.css`), the element's
//! modules (`js/`, without tests), the wasm package (`pkg/`), the built-in scenarios (`scenarios/`), an example
//! tutorial page with three widgets (`examples/`), and
//! `beam-viz.js`, the one module an embedding page loads: it defines `<beam-viz>` and exports its class.
//! Every import is relative, so the folder works under any path of any origin, with no network beyond its own files.
//! `package.json` takes its version from the workspace and lists the files and entry points.

use crate::Result;
use std::fs;
use std::path::Path;

/// The files of `www/` that ship (directories are copied whole, minus tests).
const SHIPPED: &[&str] = &[
    "index.html",
    "style.css",
    "embed.html",
    "embed.css",
    "favicon.svg",
    "js",
    "pkg",
    "scenarios",
    "examples",
];

/// Writes `dist/` from `www/` (whose `pkg/` must be built) and returns the number of files written.
pub fn write(root: &Path) -> Result<usize> {
    let www = root.join("www");
    let dist = root.join("dist");
    if !www.join("pkg/beamviz_wasm_bg.wasm").is_file() {
        return Err("www/pkg has no wasm module: build it first (`cargo xtask dist` does)".into());
    }
    if dist.exists() {
        fs::remove_dir_all(&dist).map_err(|e| format!("cannot remove {}: {e}", dist.display()))?;
    }
    let mut files = Vec::new();
    for name in SHIPPED {
        copy(&www.join(name), &dist.join(name), &mut files)?;
    }
    // The entry point: one module that defines the element and exports its class.
    write_file(
        &dist.join("beam-viz.js"),
        "// SPDX-License-Identifier: MIT OR Apache-2.0\n\
         // The one module an embedding page loads: it defines <beam-viz> and exports its class.\n\
         import './js/beam-viz-define.js';\n\
         export { BeamViz } from './js/beam-viz.js';\n",
        &mut files,
    )?;
    // embed.html loads the widget the way an embedding page does: through the entry point.
    let embed =
        fs::read_to_string(www.join("embed.html")).map_err(|e| format!("www/embed.html: {e}"))?;
    if !embed.contains("js/beam-viz-define.js") {
        return Err("www/embed.html no longer loads js/beam-viz-define.js; update dist.rs".into());
    }
    fs::write(
        dist.join("embed.html"),
        embed.replace("js/beam-viz-define.js", "beam-viz.js"),
    )
    .map_err(|e| format!("dist/embed.html: {e}"))?;
    write_file(&dist.join("README.md"), README, &mut files)?;
    let version = workspace_version(root)?;
    write_file(
        &dist.join("package.json"),
        &package_json(&version),
        &mut files,
    )?;
    Ok(files.len())
}

const README: &str = "# beam-viz\n\n\
A word-exact model of BEAM process memory (Erlang/OTP 25, 64-bit) as a custom element.\n\n\
```html\n\
<script type=\"module\" src=\"beam-viz.js\"></script>\n\
<beam-viz scenario=\"process-lifecycle\"></beam-viz>\n\
```\n\n\
Copy this folder as it is: every import is relative, and the widget fetches nothing but its own files.\n\
It works under `Content-Security-Policy: default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; object-src 'none'`.\n\
`index.html` is the full page, `embed.html` a page that embeds one widget, and `examples/binary-leaks.html` a\n\
tutorial that embeds three (one with its scenario written inside the element).\n";

fn package_json(version: &str) -> String {
    format!(
        r#"{{
  "name": "beam-viz",
  "version": "{version}",
  "description": "See how the BEAM manages memory, word by word: a <beam-viz> custom element backed by a WebAssembly model of Erlang/OTP 25 process memory.",
  "license": "MIT OR Apache-2.0",
  "type": "module",
  "main": "./beam-viz.js",
  "module": "./beam-viz.js",
  "exports": {{
    ".": "./beam-viz.js",
    "./define": "./js/beam-viz-define.js",
    "./element": "./js/beam-viz.js",
    "./pkg/*": "./pkg/*",
    "./scenarios/*": "./scenarios/*",
    "./embed.html": "./embed.html",
    "./package.json": "./package.json"
  }},
  "files": [
    "beam-viz.js",
    "index.html",
    "style.css",
    "embed.html",
    "embed.css",
    "favicon.svg",
    "js/",
    "pkg/",
    "scenarios/",
    "examples/",
    "README.md"
  ],
  "sideEffects": [
    "./beam-viz.js",
    "./js/beam-viz-define.js"
  ],
  "keywords": ["erlang", "elixir", "beam", "garbage-collection", "visualization", "web-component", "wasm"]
}}
"#
    )
}

/// `version` of `[workspace.package]` in the root `Cargo.toml`.
fn workspace_version(root: &Path) -> Result<String> {
    let manifest =
        fs::read_to_string(root.join("Cargo.toml")).map_err(|e| format!("Cargo.toml: {e}"))?;
    let mut in_package = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[workspace.package]";
        } else if let (true, Some(value)) = (in_package, line.strip_prefix("version")) {
            let value = value
                .trim_start()
                .trim_start_matches('=')
                .trim()
                .trim_matches('"');
            return Ok(value.to_string());
        }
    }
    Err("Cargo.toml has no [workspace.package] version".into())
}

fn write_file(path: &Path, text: &str, files: &mut Vec<String>) -> Result {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    files.push(path.display().to_string());
    Ok(())
}

/// Copies a file, or a directory recursively, leaving out tests (`*.test.mjs`) and hidden files.
fn copy(from: &Path, to: &Path, files: &mut Vec<String>) -> Result {
    if from.is_dir() {
        fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
        let mut entries: Vec<_> = fs::read_dir(from)
            .map_err(|e| format!("{}: {e}", from.display()))?
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for entry in entries {
            let name = entry
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.ends_with(".test.mjs") || name.starts_with('.') {
                continue;
            }
            copy(&entry, &to.join(&name), files)?;
        }
        return Ok(());
    }
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    fs::copy(from, to).map_err(|e| format!("copying {}: {e}", from.display()))?;
    files.push(to.display().to_string());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_version_is_the_workspace_version() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let version = workspace_version(&root).unwrap();
        assert_eq!(version, env!("CARGO_PKG_VERSION"));
        let json = package_json(&version);
        assert!(
            json.contains(&format!("\"version\": \"{version}\"")),
            "{json}"
        );
    }
}
