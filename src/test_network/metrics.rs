//! What `status` reads from a node's operations endpoint: the Prometheus text of
//! `/metrics` (`ledger_blockchain_height{channel}`, `gossip_leader_election_leader{channel}`),
//! fetched with one plain HTTP/1.0 GET — the network's operations endpoints run without TLS.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long one scrape may take, connecting and reading together.
const SCRAPE_LIMIT: Duration = Duration::from_secs(2);
/// The most of a `/metrics` answer read (a peer's is a few tens of kilobytes).
const MAX_BODY: u64 = 4 << 20;

/// The `/metrics` text of the operations endpoint at `address`, if it answers 200.
pub fn scrape(address: &str) -> Option<String> {
    let addr = address.to_socket_addrs().ok()?.next()?;
    let mut stream = TcpStream::connect_timeout(&addr, SCRAPE_LIMIT).ok()?;
    stream.set_read_timeout(Some(SCRAPE_LIMIT)).ok()?;
    stream.set_write_timeout(Some(SCRAPE_LIMIT)).ok()?;
    write!(
        stream,
        "GET /metrics HTTP/1.0\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = Vec::new();
    stream.take(MAX_BODY).read_to_end(&mut answer).ok()?;
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer.split_once("\r\n\r\n")?;
    let status = head.lines().next()?;
    status
        .split_whitespace()
        .nth(1)
        .is_some_and(|code| code == "200")
        .then(|| body.to_string())
}

/// The value of `name{channel="<channel>"}` in a Prometheus text exposition.
pub fn channel_value(text: &str, name: &str, channel: &str) -> Option<f64> {
    let series = format!("{name}{{channel=\"{channel}\"}}");
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(series.as_str()))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// A peer's view of a channel, from its metrics.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ChannelMetrics {
    /// `ledger_blockchain_height`.
    pub height: Option<u64>,
    /// `gossip_leader_election_leader` (set while leader election runs on the channel).
    pub leader: Option<bool>,
}

impl ChannelMetrics {
    pub fn parse(text: &str, channel: &str) -> ChannelMetrics {
        ChannelMetrics {
            height: channel_value(text, "ledger_blockchain_height", channel).map(|h| h as u64),
            leader: channel_value(text, "gossip_leader_election_leader", channel).map(|v| v >= 1.0),
        }
    }

    /// Scrapes the operations endpoint at `address`.
    pub fn of(address: &str, channel: &str) -> Option<ChannelMetrics> {
        scrape(address).map(|text| ChannelMetrics::parse(&text, channel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# HELP ledger_blockchain_height Height of the chain in blocks.\n\
# TYPE ledger_blockchain_height gauge\n\
ledger_blockchain_height{channel=\"mychannel\"} 7\n\
ledger_blockchain_height{channel=\"mychannel2\"} 3\n\
gossip_leader_election_leader{channel=\"mychannel\"} 1\n";

    #[test]
    fn reads_a_channels_height_and_leadership() {
        let m = ChannelMetrics::parse(TEXT, "mychannel");
        assert_eq!(m.height, Some(7));
        assert_eq!(m.leader, Some(true));
        let other = ChannelMetrics::parse(TEXT, "mychannel2");
        assert_eq!(other.height, Some(3));
        assert_eq!(other.leader, None);
        assert_eq!(
            ChannelMetrics::parse(TEXT, "mychan"),
            ChannelMetrics::default()
        );
    }

    #[test]
    fn scrapes_an_http_endpoint_and_refuses_a_non_200() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let server = std::thread::spawn(move || {
            for answer in [
                format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n{TEXT}"),
                "HTTP/1.1 404 Not Found\r\n\r\nno".to_string(),
            ] {
                let (mut conn, _) = listener.accept().unwrap();
                let mut request = [0u8; 1024];
                let n = conn.read(&mut request).unwrap();
                assert!(String::from_utf8_lossy(&request[..n]).starts_with("GET /metrics "));
                conn.write_all(answer.as_bytes()).unwrap();
            }
        });
        let m = ChannelMetrics::of(&address, "mychannel").unwrap();
        assert_eq!(m.height, Some(7));
        assert_eq!(scrape(&address), None);
        server.join().unwrap();
    }
}
