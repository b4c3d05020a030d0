use super::*;

#[test]
fn self_endpoint_must_be_host_and_port() {
    assert_eq!(self_port("peer0:7051").unwrap(), 7051);
    assert!(self_port("peer0").is_err());
    assert!(self_port(":7051").is_err());
    assert!(self_port("peer0:70510").is_err());
}
