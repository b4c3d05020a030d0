use prost::Message;

use super::*;
use crate::policy::cauthdsl::builder::{and, or};
use crate::protos::common::MspRole;

fn principal(msp_id: &str, role: MspRoleType) -> MspPrincipal {
    role_principal(msp_id, role)
}

fn envelope(rule: SignaturePolicy, principals: Vec<MspPrincipal>) -> SignaturePolicyEnvelope {
    SignaturePolicyEnvelope {
        version: 0,
        rule: Some(rule),
        identities: principals,
    }
}

fn error(policy: &str) -> String {
    from_string(policy).unwrap_err().to_string()
}

#[test]
fn and_of_two_peers() {
    let parsed = from_string("AND('Org1MSP.peer','Org2MSP.peer')").unwrap();
    let expected = envelope(
        and(signed_by(0), signed_by(1)),
        vec![
            principal("Org1MSP", MspRoleType::Peer),
            principal("Org2MSP", MspRoleType::Peer),
        ],
    );
    assert_eq!(parsed, expected);
    // signed_by(0) is encoded although it is the default value (it is a oneof member).
    let bytes = parsed.encode_to_vec();
    assert_eq!(
        &bytes[..14],
        &[0x12, 0x0c, 0x12, 0x0a, 0x08, 0x02, 0x12, 0x02, 0x08, 0x00, 0x12, 0x02, 0x08, 0x01]
    );
}

#[test]
fn or_of_two_members() {
    let parsed = from_string("OR('A.member', 'B.member')").unwrap();
    let expected = envelope(
        or(signed_by(0), signed_by(1)),
        vec![
            principal("A", MspRoleType::Member),
            principal("B", MspRoleType::Member),
        ],
    );
    assert_eq!(parsed, expected);
}

#[test]
fn out_of_in_every_spelling() {
    let expected = envelope(
        n_out_of(2, vec![signed_by(0), signed_by(1)]),
        vec![
            principal("A", MspRoleType::Member),
            principal("B", MspRoleType::Member),
        ],
    );
    for policy in [
        "OutOf(2, 'A.member', 'B.member')",
        "outof(2, 'A.member', 'B.member')",
        "OUTOF(2, \"A.member\", \"B.member\")",
        "OutOf('2', 'A.member', 'B.member')",
        "OutOf(2.9, 'A.member', 'B.member')",
        "  OutOf ( 2 ,'A.member'\t,'B.member' )  ",
        "(OutOf(2, 'A.member', 'B.member'))",
    ] {
        assert_eq!(from_string(policy).unwrap(), expected, "{policy}");
    }
    assert_eq!(
        from_string("and('A.member', 'B.member')").unwrap(),
        from_string("And('A.member', 'B.member')").unwrap()
    );
}

#[test]
fn every_role() {
    let parsed =
        from_string("OR('A.peer', 'B.admin', 'C.orderer', 'D.client', 'E.member')").unwrap();
    let roles: Vec<(String, i32)> = parsed
        .identities
        .iter()
        .map(|p| {
            let role = MspRole::decode(p.principal.as_slice()).unwrap();
            (role.msp_identifier, role.role)
        })
        .collect();
    assert_eq!(
        roles,
        vec![
            ("A".to_string(), MspRoleType::Peer as i32),
            ("B".to_string(), MspRoleType::Admin as i32),
            ("C".to_string(), MspRoleType::Orderer as i32),
            ("D".to_string(), MspRoleType::Client as i32),
            ("E".to_string(), MspRoleType::Member as i32),
        ]
    );
}

#[test]
fn msp_ids_with_dots_and_dashes() {
    let parsed =
        from_string("OR('MSP.member', 'MSP.WITH.DOTS.member', 'MSP-WITH-DASHES.member')").unwrap();
    let ids: Vec<String> = parsed
        .identities
        .iter()
        .map(|p| {
            MspRole::decode(p.principal.as_slice())
                .unwrap()
                .msp_identifier
        })
        .collect();
    assert_eq!(ids, ["MSP", "MSP.WITH.DOTS", "MSP-WITH-DASHES"]);
}

#[test]
fn nested_gates_number_their_principals_first() {
    let parsed = from_string("OR('A.member', AND('B.member', 'C.member'))").unwrap();
    let expected = envelope(
        or(signed_by(2), and(signed_by(0), signed_by(1))),
        vec![
            principal("B", MspRoleType::Member),
            principal("C", MspRoleType::Member),
            principal("A", MspRoleType::Member),
        ],
    );
    assert_eq!(parsed, expected);

    let parsed = from_string("OR(AND('A.member', 'B.member'), OR('C.admin', 'D.member'))").unwrap();
    let expected = envelope(
        or(
            and(signed_by(0), signed_by(1)),
            or(signed_by(2), signed_by(3)),
        ),
        vec![
            principal("A", MspRoleType::Member),
            principal("B", MspRoleType::Member),
            principal("C", MspRoleType::Admin),
            principal("D", MspRoleType::Member),
        ],
    );
    assert_eq!(parsed, expected);
}

#[test]
fn repeated_principals_are_listed_each_time_as_fabric_does() {
    let parsed = from_string("AND('A.member', 'A.member')").unwrap();
    assert_eq!(
        parsed,
        envelope(
            and(signed_by(0), signed_by(1)),
            vec![
                principal("A", MspRoleType::Member),
                principal("A", MspRoleType::Member)
            ],
        )
    );
}

#[test]
fn threshold_bounds() {
    assert_eq!(
        error("OutOf(-1, 'A.member', 'B.member')"),
        "Invalid t-out-of-n predicate, t -1, n 2"
    );
    assert_eq!(
        error("OutOf(4, 'A.member', 'B.member')"),
        "Invalid t-out-of-n predicate, t 4, n 2"
    );
    let zero = from_string("OutOf(0, 'A.member', 'B.member')").unwrap();
    assert_eq!(
        zero.rule,
        Some(n_out_of(0, vec![signed_by(0), signed_by(1)]))
    );
    // Fabric accepts one more than the number of rules (a policy nobody can satisfy).
    let three = from_string("OutOf(3, 'A.member', 'B.member')").unwrap();
    assert_eq!(
        three.rule,
        Some(n_out_of(3, vec![signed_by(0), signed_by(1)]))
    );
}

#[test]
fn argument_count_errors() {
    assert_eq!(
        error("OutOf(1)"),
        "Expected at least two arguments to NOutOf. Given 1"
    );
    assert_eq!(
        error("OutOf()"),
        "Expected at least two arguments to NOutOf. Given 0"
    );
    assert_eq!(
        error("AND()"),
        "Expected at least two arguments to NOutOf. Given 1"
    );
    assert_eq!(
        error("OR()"),
        "Expected at least two arguments to NOutOf. Given 1"
    );
}

#[test]
fn bad_principals() {
    assert_eq!(
        error("OR('A.member', Bmember)"),
        "unrecognized token 'Bmember' in policy string"
    );
    assert_eq!(
        error("OR('A.member', 'Bmember')"),
        "unrecognized token 'Bmember' in policy string"
    );
    assert_eq!(
        error("OR('Org1MSP.superuser')"),
        "unknown role 'superuser' in principal 'Org1MSP.superuser': expected admin, member, client, peer or orderer"
    );
    assert!(error("OR('Org1MSP.Member')").starts_with("unknown role 'Member'"));
    assert!(error("OR('Org 1.member')").starts_with("unrecognized principal 'Org 1.member'"));
    assert!(error("OutOf(1, 2)").starts_with("unexpected number 2"));
    assert!(error("OutOf(1, 'A.member', true)").starts_with("unexpected true"));
    assert!(error("OutOf(true, 'A.member')").starts_with("invalid threshold true"));
    assert!(error("OutOf('x', 'A.member')").starts_with("invalid threshold 'x'"));
}

#[test]
fn syntax_errors() {
    assert_eq!(error(""), "Unexpected end of expression");
    assert_eq!(error("   "), "Unexpected end of expression");
    assert_eq!(
        error("AND('A.member', 'B.member'"),
        "Unbalanced parenthesis"
    );
    assert_eq!(error("AND('A.member'))"), "Unbalanced parenthesis");
    assert_eq!(error("AND('A.member)"), "Unclosed string literal");
    assert!(error("NAND('A.member')").starts_with("Undefined function NAND"));
    assert!(error("Outof(1, 'A.member')").starts_with("Undefined function Outof"));
    assert_eq!(error("AND('A.member',)"), "unexpected ')' in policy string");
    assert!(error("AND('A.member') + 1").starts_with("operator '+' is not supported"));
    assert_eq!(
        error("AND('A.member') OR('B.member')"),
        "unexpected gate Or in policy string"
    );
    assert_eq!(
        error("1"),
        "invalid policy string '1': a policy is a gate such as AND('Org1MSP.member', 'Org2MSP.member')"
    );
    assert!(error("'Org1MSP.member'").starts_with("invalid policy string"));
}

#[test]
fn argument_errors_come_before_threshold_errors() {
    // Fabric checks argument shapes over the whole tree before it numbers principals and
    // checks thresholds.
    assert_eq!(
        error("OR(OutOf(5, 'A.member'), OutOf(1))"),
        "Expected at least two arguments to NOutOf. Given 1"
    );
    assert_eq!(
        error("OR(OutOf(5, 'A.member'), OutOf(3, 'B.member'))"),
        "Invalid t-out-of-n predicate, t 5, n 1"
    );
}
