//! A small static HTTP/1.1 server for `www/` and `dist/`: GET and HEAD, one thread per connection,
//! `Cache-Control: no-cache` so a reload always shows the latest build.
//!
//! Precompressed files are sent as nginx's `gzip_static` sends them: when `FILE.gz` exists beside a requested `FILE`
//! and the request's `Accept-Encoding` accepts gzip, the response is the `.gz` file's bytes with
//! `Content-Encoding: gzip` and `FILE`'s `Content-Type`; every response for such a file says
//! `Vary: Accept-Encoding`. A request for `FILE.gz` itself gets it as it is (`application/gzip`).

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
    // Of the headers, only Accept-Encoding matters (several of them make one comma-separated list).
    let mut accept_encoding = String::new();
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("accept-encoding") {
                accept_encoding.push_str(value.trim());
                accept_encoding.push(',');
            }
        }
        line.clear();
    }

    let mut words = request_line.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let mut encoding = None;
    let mut vary = false;
    let (status, content_type, body) = if method != "GET" && method != "HEAD" {
        (
            "405 Method Not Allowed",
            "text/plain",
            b"method not allowed\n".to_vec(),
        )
    } else {
        match resolve(root, target) {
            Err(status) => (status, "text/plain", format!("{status}\n").into_bytes()),
            Ok(path) if path.is_file() => {
                let mut gz = path.clone().into_os_string();
                gz.push(".gz");
                let gz = PathBuf::from(gz);
                vary = gz.is_file();
                let send_gz = vary && accepts_gzip(&accept_encoding);
                match fs::read(if send_gz { &gz } else { &path }) {
                    Ok(bytes) => {
                        encoding = send_gz.then_some("gzip");
                        ("200 OK", mime_type(&path), bytes)
                    }
                    Err(_) => ("404 Not Found", "text/plain", b"404 Not Found\n".to_vec()),
                }
            }
            Ok(_) => ("404 Not Found", "text/plain", b"404 Not Found\n".to_vec()),
        }
    };

    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(encoding) = encoding {
        head.push_str(&format!("Content-Encoding: {encoding}\r\n"));
    }
    if vary {
        head.push_str("Vary: Accept-Encoding\r\n");
    }
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

/// Whether an `Accept-Encoding` value accepts gzip: `gzip` (or its old name `x-gzip`) with a quality above 0, or,
/// when neither is listed, `*` with a quality above 0 (RFC 9110 §12.5.3). `gzip;q=0` refuses it; a quality that is
/// not a number counts as 0.
fn accepts_gzip(accept_encoding: &str) -> bool {
    let (mut gzip, mut any) = (None, None);
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut quality = 1.0;
        for param in parts {
            if let Some((name, value)) = param.split_once('=') {
                if name.trim().eq_ignore_ascii_case("q") {
                    quality = value.trim().parse::<f32>().unwrap_or(0.0);
                }
            }
        }
        match coding.as_str() {
            "gzip" | "x-gzip" => gzip = Some(gzip.unwrap_or(0.0f32).max(quality)),
            "*" => any = Some(quality),
            _ => {}
        }
    }
    gzip.or(any).is_some_and(|q| q > 0.0)
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
        "gz" => "application/gzip",
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

    #[test]
    fn accept_encoding_is_parsed_with_its_qualities() {
        for yes in [
            "gzip",
            "gzip, deflate, br, zstd",
            "deflate, GZIP;q=0.5",
            "br;q=1.0, gzip ; q=0.001",
            "x-gzip",
            "*",
            "br, *;q=0.1",
            "gzip;q=0, gzip;q=1",
        ] {
            assert!(accepts_gzip(yes), "{yes}");
        }
        for no in [
            "",
            "identity",
            "deflate, br",
            "gzip;q=0",
            "gzip; q=0.000, br",
            "gzip;q=0, *",
            "*;q=0",
            "gzip;q=oops",
            "gzipped",
        ] {
            assert!(!accepts_gzip(no), "{no}");
        }
    }

    #[test]
    fn sends_a_precompressed_file_to_a_client_that_accepts_gzip() {
        let root = std::env::temp_dir().join(format!("xtask-serve-gz-test-{}", std::process::id()));
        fs::create_dir_all(root.join("pkg")).unwrap();
        fs::write(root.join("pkg/m.wasm"), b"\0asm plain").unwrap();
        fs::write(root.join("pkg/m.wasm.gz"), b"\x1f\x8b packed").unwrap();
        fs::write(root.join("index.html"), "<!doctype html>").unwrap();
        let addr = spawn(root.clone(), Vec::new()).unwrap();

        // The head (lines of text) and the body (bytes) of one response.
        let request = |method: &str, target: &str, accept: Option<&str>| {
            let mut stream = TcpStream::connect(addr).unwrap();
            let accept = accept.map_or(String::new(), |a| format!("Accept-Encoding: {a}\r\n"));
            write!(
                stream,
                "{method} {target} HTTP/1.1\r\nHost: x\r\n{accept}\r\n"
            )
            .unwrap();
            let mut response = Vec::new();
            io::Read::read_to_end(&mut stream, &mut response).unwrap();
            let end = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
            let head = String::from_utf8(response[..end].to_vec()).unwrap();
            (head, response[end..].to_vec())
        };

        for accept in ["gzip, deflate, br", "br;q=1.0, gzip;q=0.8", "*"] {
            let (head, body) = request("GET", "/pkg/m.wasm", Some(accept));
            assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
            assert!(
                head.contains("Content-Type: application/wasm\r\n"),
                "{head}"
            );
            assert!(head.contains("Content-Encoding: gzip\r\n"), "{head}");
            assert!(head.contains("Vary: Accept-Encoding\r\n"), "{head}");
            assert!(head.contains("Content-Length: 9\r\n"), "{head}");
            assert_eq!(body, b"\x1f\x8b packed");
        }
        // HEAD: the same head, no body.
        let (head, body) = request("HEAD", "/pkg/m.wasm", Some("gzip"));
        assert!(head.contains("Content-Encoding: gzip\r\n"), "{head}");
        assert!(head.contains("Content-Length: 9\r\n"), "{head}");
        assert!(body.is_empty());

        // No gzip accepted: the file as it is, still varying on Accept-Encoding.
        for accept in [
            None,
            Some("gzip;q=0"),
            Some("deflate, br"),
            Some("gzip;q=0, *"),
        ] {
            for method in ["GET", "HEAD"] {
                let (head, body) = request(method, "/pkg/m.wasm", accept);
                assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
                assert!(
                    head.contains("Content-Type: application/wasm\r\n"),
                    "{head}"
                );
                assert!(!head.contains("Content-Encoding"), "{accept:?}: {head}");
                assert!(head.contains("Vary: Accept-Encoding\r\n"), "{head}");
                assert!(head.contains("Content-Length: 10\r\n"), "{head}");
                let expected: &[u8] = if method == "GET" { b"\0asm plain" } else { b"" };
                assert_eq!(body, expected);
            }
        }

        // The .gz file itself is a file like any other.
        let (head, body) = request("GET", "/pkg/m.wasm.gz", Some("gzip"));
        assert!(
            head.contains("Content-Type: application/gzip\r\n"),
            "{head}"
        );
        assert!(!head.contains("Content-Encoding"), "{head}");
        assert!(!head.contains("Vary"), "{head}");
        assert_eq!(body, b"\x1f\x8b packed");

        // A file without a .gz: no Vary.
        let (head, body) = request("GET", "/", Some("gzip"));
        assert!(
            head.contains("Content-Type: text/html; charset=utf-8\r\n"),
            "{head}"
        );
        assert!(
            !head.contains("Content-Encoding") && !head.contains("Vary"),
            "{head}"
        );
        assert_eq!(body, b"<!doctype html>");
        fs::remove_dir_all(root).unwrap();
    }
}
