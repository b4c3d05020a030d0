//! Choosing peers (Fabric's `gossip/filter`): a routing filter is a predicate over network
//! members; `select_peers` picks up to k random members that pass it.

use rand::seq::SliceRandom;

use super::comm::RemotePeer;
use super::common::NetworkMember;

/// A predicate over network members (Fabric's `filter.RoutingFilter`).
pub type RoutingFilter<'a> = Box<dyn Fn(&NetworkMember) -> bool + Send + Sync + 'a>;

/// Up to `k` random members passing `filter`, as remote peers at their preferred endpoint.
pub fn select_peers(
    k: usize,
    members: &[NetworkMember],
    filter: impl Fn(&NetworkMember) -> bool,
) -> Vec<RemotePeer> {
    let mut idx: Vec<usize> = (0..members.len()).collect();
    idx.shuffle(&mut rand::thread_rng());
    idx.into_iter()
        .map(|i| &members[i])
        .filter(|m| filter(m))
        .take(k)
        .map(to_remote_peer)
        .collect()
}

/// A member as a remote peer (its internal endpoint when known).
pub fn to_remote_peer(m: &NetworkMember) -> RemotePeer {
    RemotePeer {
        endpoint: m.preferred_endpoint().to_string(),
        pki_id: m.pki_id.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gossip::common::PkiId;

    #[test]
    fn selects_at_most_k_that_pass() {
        let members: Vec<NetworkMember> = (0..10u8)
            .map(|i| NetworkMember {
                endpoint: format!("p{i}:7051"),
                pki_id: PkiId(vec![i]),
                ..Default::default()
            })
            .collect();
        let even = |m: &NetworkMember| m.pki_id.0[0] % 2 == 0;
        let got = select_peers(3, &members, even);
        assert_eq!(got.len(), 3);
        assert!(got.iter().all(|p| p.pki_id.0[0] % 2 == 0));
        assert_eq!(select_peers(100, &members, even).len(), 5);
    }
}
