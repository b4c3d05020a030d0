//! `configtxlator start`, spawned as a user runs it, on a free loopback port: Fabric's REST
//! endpoints answer with the vector JSON, the vector bytes, a computed config update, and
//! Fabric's status codes and bodies for bad requests.

use crate::support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fabric::protos::common::{Block, ConfigEnvelope, ConfigUpdate, Envelope, Payload};
use fabric::protoutil::decode;
use prost::Message;
use support::orderer::free_port;

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(extra: &[&str]) -> Server {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_configtxlator"))
        .args([
            "start",
            "--hostname",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .args(extra)
        .env("FABRIC_LOGGING_SPEC", "warning")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn configtxlator");
    let addr = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(&addr).is_err() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("configtxlator exited early: {status}");
        }
        assert!(Instant::now() < deadline, "configtxlator did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    Server { child, addr }
}

/// A response: status code, headers (lower-cased names) and body.
struct Reply {
    status: u16,
    headers: String,
    body: Vec<u8>,
}

fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    Reply {
        status: head[9..12].parse().unwrap(),
        headers: head.to_ascii_lowercase(),
        body: raw[split + 4..].to_vec(),
    }
}

fn post(addr: &str, path: &str, body: &[u8]) -> Reply {
    request(addr, "POST", path, &[], body)
}

/// The marshaled `common.Config` of a vector config block.
fn block_config(bytes: &[u8]) -> Vec<u8> {
    let block: Block = decode("Block", bytes).unwrap();
    let env: Envelope = decode("Envelope", &block.data.unwrap().data[0]).unwrap();
    let payload: Payload = decode("Payload", &env.payload).unwrap();
    let ce: ConfigEnvelope = decode("ConfigEnvelope", &payload.data).unwrap();
    ce.config.unwrap().encode_to_vec()
}

fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file, data) in fields {
        body.extend_from_slice(b"--BoUnDaRy\r\nContent-Disposition: form-data; name=\"");
        body.extend_from_slice(name.as_bytes());
        body.push(b'"');
        if let Some(file) = file {
            body.extend_from_slice(format!("; filename=\"{file}\"").as_bytes());
        }
        body.extend_from_slice(b"\r\n\r\n");
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--BoUnDaRy--\r\n");
    body
}

#[test]
fn decode_encode_and_compute_update_over_http() {
    let v = support::vectors_dir();
    let server = start(&[]);
    let block = std::fs::read(v.join("ledger/mychannel/committed/mychannel_4.block")).unwrap();
    let json = std::fs::read(v.join("ledger/mychannel/committed-json/mychannel_4.json")).unwrap();

    let reply = post(&server.addr, "/protolator/decode/common.Block", &block);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, json, "JSON differs from Fabric's");
    let reply = post(&server.addr, "/protolator/encode/common.Block", &json);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, block, "bytes differ from the vector block");

    let original = block_config(
        &std::fs::read(v.join("ledger/mychannel/committed/mychannel_0.block")).unwrap(),
    );
    let updated = block_config(
        &std::fs::read(v.join("ledger/mychannel/committed/mychannel_1.block")).unwrap(),
    );
    let form = multipart(&[
        ("original", Some("original.pb"), &original[..]),
        ("updated", Some("updated.pb"), &updated[..]),
        ("channel", None, &b"mychannel"[..]),
    ]);
    let multipart_type = ("Content-Type", "multipart/form-data; boundary=BoUnDaRy");
    let path = "/configtxlator/compute/update-from-configs";
    let reply = request(&server.addr, "POST", path, &[multipart_type], &form);
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let update: ConfigUpdate = decode("ConfigUpdate", &reply.body).unwrap();
    assert_eq!(update.channel_id, "mychannel");
    let org1 = &update.write_set.unwrap().groups["Application"].groups["Org1MSP"];
    assert_eq!(org1.version, 1, "Org1MSP's anchor peers are the change");
    assert!(org1.values.contains_key("AnchorPeers"));
    let expected = fabric::tools::configtxlator::compute_update(
        "mychannel",
        &decode("Config", &original).unwrap(),
        &decode("Config", &updated).unwrap(),
    )
    .unwrap();
    assert_eq!(
        reply.body,
        fabric::protoutil::marshal("common.ConfigUpdate", &expected)
    );

    // The same configs: Fabric's 400 and its text.
    let same = multipart(&[
        ("original", Some("a.pb"), &original[..]),
        ("updated", Some("b.pb"), &original[..]),
    ]);
    let reply = request(&server.addr, "POST", path, &[multipart_type], &same);
    assert_eq!(reply.status, 400);
    assert_eq!(
        String::from_utf8(reply.body).unwrap(),
        "Error computing update: no differences detected between original and updated config\n"
    );
}

#[test]
fn bad_requests_get_fabrics_statuses() {
    let server = start(&[]);
    let reply = post(&server.addr, "/protolator/decode/common.NoSuchThing", b"");
    assert_eq!(reply.status, 404);
    assert_eq!(reply.body, b"message name not found\n");
    let reply = post(&server.addr, "/protolator/encode/no.Such", b"{}");
    assert_eq!(reply.status, 404);
    let reply = post(
        &server.addr,
        "/protolator/decode/common.Block",
        b"\xff\xff\xff",
    );
    assert_eq!(reply.status, 400);
    assert!(reply.body.ends_with(b"\n") && reply.body.len() > 1);
    let reply = post(&server.addr, "/protolator/encode/common.Block", b"not json");
    assert_eq!(reply.status, 400);
    let reply = post(
        &server.addr,
        "/protolator/encode/common.Block",
        b"{\"header\": 7}",
    );
    assert_eq!(reply.status, 400);
    let reply = post(
        &server.addr,
        "/configtxlator/compute/update-from-configs",
        b"x",
    );
    assert_eq!(reply.status, 400);
    assert_eq!(
        String::from_utf8(reply.body).unwrap(),
        "Error with field 'original': error reading field bytes: request Content-Type isn't multipart/form-data\n"
    );
    let form = multipart(&[
        ("original", Some("o"), &b"\xff\xff"[..]),
        ("updated", Some("u"), &b""[..]),
    ]);
    let reply = request(
        &server.addr,
        "POST",
        "/configtxlator/compute/update-from-configs",
        &[("Content-Type", "multipart/form-data; boundary=BoUnDaRy")],
        &form,
    );
    assert_eq!(reply.status, 400);
    assert!(String::from_utf8(reply.body)
        .unwrap()
        .starts_with("Error with field 'original': error unmarshaling field bytes: "));
    let reply = request(
        &server.addr,
        "GET",
        "/protolator/decode/common.Block",
        &[],
        b"",
    );
    assert_eq!(reply.status, 405);
    let reply = post(&server.addr, "/elsewhere", b"");
    assert_eq!(
        (reply.status, reply.body),
        (404, b"404 page not found\n".to_vec())
    );
}

#[test]
fn cors_origins_are_answered() {
    let server = start(&["--CORS", "http://app.example"]);
    let preflight = request(
        &server.addr,
        "OPTIONS",
        "/protolator/decode/common.Block",
        &[
            ("Origin", "http://app.example"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "Content-Type"),
        ],
        b"",
    );
    assert_eq!(preflight.status, 200);
    assert!(preflight
        .headers
        .contains("access-control-allow-origin: http://app.example"));
    assert!(preflight
        .headers
        .contains("access-control-allow-headers: content-type"));
    let other = request(
        &server.addr,
        "POST",
        "/protolator/decode/common.Envelope",
        &[("Origin", "http://other.example")],
        b"",
    );
    assert_eq!(other.status, 200);
    assert!(!other.headers.contains("access-control-allow-origin"));
}

#[test]
fn a_taken_port_is_one_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_configtxlator"))
        .args(["start", "--hostname", "127.0.0.1", "--port", &port])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("Could not bind to address '127.0.0.1:"),
        "{err}"
    );
}
