//! A small static HTTP/1.1 server for `www/`: GET and HEAD, one thread per connection,
//! `Cache-Control: no-cache` so a reload always shows the latest build.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use std::{fs, thread};

/// Serves files under `root` on `listener` until the process ends. `extra_headers` go into every
/// response (for example a `Content-Security-Policy` under test).
pub fn serve(root: PathBuf, listener: TcpListener, extra_headers: Vec<(String, String)>) {
    let shared = Arc::new((root, extra_headers));
    for stream in listener.incoming().flatten() {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            let (root, extra_headers) = &*shared;
            // A client that vanishes mid-request is its own problem, not the server's.
            let _ = handle(stream, root, extra_headers);
        });
    }
}

/// Starts [`serve`] on a background thread on an ephemeral port of 127.0.0.1 and returns its address.
pub fn spawn(root: PathBuf, extra_headers: Vec<(String, String)>) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    thread::spawn(move || serve(root, listener, extra_headers));
    Ok(addr)
}

fn handle(stream: TcpStream, root: &Path, extra_headers: &[(String, String)]) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Skip the headers: nothing here depends on them.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }

    let mut words = request_line.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let (status, content_type, body) = if method != "GET" && method != "HEAD" {
        (
            "405 Method Not Allowed",
            "text/plain",
            b"method not allowed\n".to_vec(),
        )
    } else {
        match resolve(root, target) {
            Err(status) => (status, "text/plain", format!("{status}\n").into_bytes()),
            Ok(path) => match fs::read(&path) {
                Ok(bytes) => ("200 OK", mime_type(&path), bytes),
                Err(_) => ("404 Not Found", "text/plain", b"404 Not Found\n".to_vec()),
            },
        }
    };

    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in extra_headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = &stream;
    stream.write_all(head.as_bytes())?;
    if method != "HEAD" {
        stream.write_all(&body)?;
    }
    stream.flush()
}

/// Maps a request target to a file under `root` (`index.html` for directories), or an error status.
/// Any `..` segment is rejected, even percent-encoded, so nothing outside `root` is reachable.
fn resolve(root: &Path, target: &str) -> Result<PathBuf, &'static str> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let path = percent_decode(path).ok_or("400 Bad Request")?;
    if !path.starts_with('/') {
        return Err("400 Bad Request");
    }
    let mut file = root.to_path_buf();
    for segment in path
        .split('/')
        .filter(|segment| !segment.is_empty() && *segment != ".")
    {
        if segment == ".." || segment.contains(['\\', '\0']) {
            return Err("403 Forbidden");
        }
        file.push(segment);
    }
    if file.is_dir() {
        file.push("index.html");
    }
    Ok(file)
}

fn percent_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

fn mime_type(path: &Path) -> &'static str {
    match path.extension().and_then(|ext| ext.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "scn" | "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_paths_inside_root_only() {
        let root = Path::new("/srv/www");
        assert_eq!(
            resolve(root, "/js/main.js?v=1"),
            Ok(root.join("js/main.js"))
        );
        assert_eq!(resolve(root, "/a%20b.scn"), Ok(root.join("a b.scn")));
        assert_eq!(resolve(root, "/../etc/passwd"), Err("403 Forbidden"));
        assert_eq!(resolve(root, "/js/%2e%2e/%2E%2E/x"), Err("403 Forbidden"));
        assert_eq!(resolve(root, "/%zz"), Err("400 Bad Request"));
        assert_eq!(resolve(root, "http://example/x"), Err("400 Bad Request"));
    }

    #[test]
    fn serves_files_with_their_mime_type_and_extra_headers() {
        let root = std::env::temp_dir().join(format!("xtask-serve-test-{}", std::process::id()));
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join("index.html"), "<!doctype html>").unwrap();
        fs::write(root.join("m.wasm"), b"\0asm").unwrap();
        let addr = spawn(
            root.clone(),
            vec![(
                "Content-Security-Policy".into(),
                "default-src 'self'".into(),
            )],
        )
        .unwrap();

        let get = |target: &str| {
            let mut stream = TcpStream::connect(addr).unwrap();
            write!(stream, "GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            let mut response = String::new();
            io::Read::read_to_string(&mut stream, &mut response).unwrap();
            response
        };
        let index = get("/");
        assert!(index.starts_with("HTTP/1.1 200 OK\r\n"), "{index}");
        assert!(
            index.contains("Content-Security-Policy: default-src 'self'\r\n"),
            "{index}"
        );
        assert!(index.ends_with("\r\n\r\n<!doctype html>"), "{index}");
        assert!(get("/m.wasm").contains("Content-Type: application/wasm\r\n"));
        assert!(get("/missing.js").starts_with("HTTP/1.1 404 Not Found\r\n"));
        assert!(get("/../index.html").starts_with("HTTP/1.1 403 Forbidden\r\n"));
        fs::remove_dir_all(root).unwrap();
    }
}
