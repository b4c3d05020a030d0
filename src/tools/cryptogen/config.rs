//! The `crypto-config.yaml` model of Fabric v1.4's cryptogen (`OrdererOrgs`, `PeerOrgs`,
//! each with `CA`, `Specs`, `Template` and `Users`) and its rendering into the concrete
//! list of nodes and users an organization gets.
//!
//! Parsing follows yaml.v2 where YAML 1.1 and 1.2 differ (`yes`/`no`/`on`/`off` are
//! booleans, any scalar may fill a string field, `null` leaves a field empty); unknown keys
//! are refused so that a misspelt key (`Specs` as `specs`) is reported instead of ignored.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};
use serde_yaml::Value;

use super::msp::NodeType;
use super::template::{self, TemplateError};

/// The configuration `cryptogen showtemplate` prints and `generate` uses without `--config`.
pub const DEFAULT_TEMPLATE: &str = include_str!("../../../sampleconfig/crypto-config.yaml");

const DEFAULT_HOSTNAME_TEMPLATE: &str = "{{.Prefix}}{{.Index}}";
const DEFAULT_CN_TEMPLATE: &str = "{{.Hostname}}.{{.Domain}}";
const DEFAULT_CA_HOSTNAME: &str = "ca";
const ADMIN_BASE_NAME: &str = "Admin";
const USER_BASE_NAME: &str = "User";

/// A crypto-config.yaml that cannot be used; one line each.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("invalid crypto configuration: {0}")]
    Yaml(String),
    #[error("organization {org}: {reason}")]
    Org { org: String, reason: String },
    #[error("organization {org}: {source}")]
    Template {
        org: String,
        #[source]
        source: TemplateError,
    },
}

/// The whole file: orderer organizations and peer organizations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(rename = "OrdererOrgs", default, deserialize_with = "or_default")]
    pub orderer_orgs: Vec<OrgSpec>,
    #[serde(rename = "PeerOrgs", default, deserialize_with = "or_default")]
    pub peer_orgs: Vec<OrgSpec>,
}

/// One organization as written in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgSpec {
    #[serde(rename = "Name", default, deserialize_with = "scalar_string")]
    pub name: String,
    #[serde(rename = "Domain", default, deserialize_with = "scalar_string")]
    pub domain: String,
    #[serde(rename = "EnableNodeOUs", default, deserialize_with = "yaml11_bool")]
    pub enable_node_ous: bool,
    #[serde(rename = "CA", default, deserialize_with = "or_default")]
    pub ca: NodeSpec,
    #[serde(rename = "Template", default, deserialize_with = "or_default")]
    pub template: NodeTemplate,
    #[serde(rename = "Specs", default, deserialize_with = "or_default")]
    pub specs: Vec<NodeSpec>,
    #[serde(rename = "Users", default, deserialize_with = "or_default")]
    pub users: UsersSpec,
}

/// A host (or, under `CA`, the certificate authority) listed explicitly.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    #[serde(rename = "Hostname", default, deserialize_with = "scalar_string")]
    pub hostname: String,
    /// A template for the certificate's CN; `{{.Hostname}}.{{.Domain}}` when empty.
    #[serde(rename = "CommonName", default, deserialize_with = "scalar_string")]
    pub common_name: String,
    #[serde(rename = "Country", default, deserialize_with = "scalar_string")]
    pub country: String,
    #[serde(rename = "Province", default, deserialize_with = "scalar_string")]
    pub province: String,
    #[serde(rename = "Locality", default, deserialize_with = "scalar_string")]
    pub locality: String,
    #[serde(
        rename = "OrganizationalUnit",
        default,
        deserialize_with = "scalar_string"
    )]
    pub organizational_unit: String,
    #[serde(rename = "StreetAddress", default, deserialize_with = "scalar_string")]
    pub street_address: String,
    #[serde(rename = "PostalCode", default, deserialize_with = "scalar_string")]
    pub postal_code: String,
    /// Extra subject alternative names (templates over Hostname, Domain, CommonName).
    #[serde(rename = "SANS", default, deserialize_with = "scalar_strings")]
    pub sans: Vec<String>,
}

/// `Count` hosts named from a template, indexed from `Start`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeTemplate {
    #[serde(rename = "Count", default, deserialize_with = "or_default")]
    pub count: i64,
    #[serde(rename = "Start", default, deserialize_with = "or_default")]
    pub start: i64,
    /// The hostname template; `{{.Prefix}}{{.Index}}` when empty.
    #[serde(rename = "Hostname", default, deserialize_with = "scalar_string")]
    pub hostname: String,
    #[serde(rename = "SANS", default, deserialize_with = "scalar_strings")]
    pub sans: Vec<String>,
}

/// How many users (`User1` .. `UserN`) an organization gets besides `Admin`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsersSpec {
    #[serde(rename = "Count", default, deserialize_with = "or_default")]
    pub count: i64,
}

/// Which half of the file an organization comes from; decides folder names and roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgKind {
    Peer,
    Orderer,
}

impl OrgKind {
    /// The `{{.Prefix}}` of the default hostname template.
    pub fn prefix(self) -> &'static str {
        match self {
            OrgKind::Peer => "peer",
            OrgKind::Orderer => "orderer",
        }
    }

    /// The folder below the output directory (`peerOrganizations`).
    pub fn organizations_dir(self) -> &'static str {
        match self {
            OrgKind::Peer => "peerOrganizations",
            OrgKind::Orderer => "ordererOrganizations",
        }
    }

    /// The folder of the organization's nodes (`peers`, `orderers`).
    pub fn nodes_dir(self) -> &'static str {
        match self {
            OrgKind::Peer => "peers",
            OrgKind::Orderer => "orderers",
        }
    }

    /// The role the organization's nodes are generated for.
    pub fn node_type(self) -> NodeType {
        match self {
            OrgKind::Peer => NodeType::Peer,
            OrgKind::Orderer => NodeType::Orderer,
        }
    }
}

/// A node or user after rendering: its CN (also its folder name) and its TLS SANs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub common_name: String,
    pub sans: Vec<String>,
}

/// The CA of an organization after rendering: its CN and subject fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaSpec {
    pub common_name: String,
    pub country: String,
    pub province: String,
    pub locality: String,
    pub organizational_unit: String,
    pub street_address: String,
    pub postal_code: String,
}

/// An organization after rendering: everything generation needs, templates resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub kind: OrgKind,
    pub name: String,
    /// The organization's domain, also its folder name.
    pub domain: String,
    pub node_ous: bool,
    pub ca: CaSpec,
    /// The peers or orderers: explicit `Specs` first, then the `Template` hosts.
    pub nodes: Vec<Node>,
    /// `User1@<domain>` .. `UserN@<domain>` (peer organizations only).
    pub users: Vec<Node>,
    /// `Admin@<domain>`.
    pub admin: Node,
}

impl Config {
    /// Parses a crypto-config.yaml text.
    pub fn from_yaml(text: &str) -> Result<Config, ConfigError> {
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        serde_yaml::from_str(text).map_err(|e| ConfigError::Yaml(one_line(&e.to_string())))
    }

    /// Reads and parses the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Config::from_yaml(&text).map_err(|e| match e {
            ConfigError::Yaml(reason) => ConfigError::Yaml(format!("{}: {reason}", path.display())),
            other => other,
        })
    }

    /// The configuration cryptogen uses when no file is given ([`DEFAULT_TEMPLATE`]).
    pub fn default_config() -> Result<Config, ConfigError> {
        Config::from_yaml(DEFAULT_TEMPLATE)
    }

    /// Resolves every template: peer organizations first, then orderer organizations, in
    /// the order Fabric generates them. Fails before anything is written when any name is
    /// unusable.
    pub fn render(&self) -> Result<Vec<Org>, ConfigError> {
        let mut orgs = Vec::new();
        for (kind, specs) in [
            (OrgKind::Peer, &self.peer_orgs),
            (OrgKind::Orderer, &self.orderer_orgs),
        ] {
            let mut domains = HashSet::new();
            for spec in specs {
                let org = spec.render(kind)?;
                if !domains.insert(org.domain.clone()) {
                    return Err(org_error(
                        &org.name,
                        format!("the domain {} is used by two organizations", org.domain),
                    ));
                }
                orgs.push(org);
            }
        }
        Ok(orgs)
    }
}

impl OrgSpec {
    /// Resolves this organization's templates for an organization of `kind`.
    pub fn render(&self, kind: OrgKind) -> Result<Org, ConfigError> {
        let label = if self.name.is_empty() {
            self.domain.as_str()
        } else {
            self.name.as_str()
        };
        check_path_component(label, "Domain", &self.domain)?;
        let template_error = |source| ConfigError::Template {
            org: label.to_string(),
            source,
        };
        let mut specs = self.specs.clone();
        specs.extend(self.template_specs(kind).map_err(template_error)?);
        let mut nodes = Vec::with_capacity(specs.len());
        for spec in &specs {
            let node = render_node(&self.domain, spec).map_err(template_error)?;
            check_path_component(label, "CommonName", &node.common_name)?;
            nodes.push(node);
        }
        let mut ca_spec = self.ca.clone();
        if ca_spec.hostname.is_empty() {
            ca_spec.hostname = DEFAULT_CA_HOSTNAME.to_string();
        }
        let ca = render_node(&self.domain, &ca_spec).map_err(template_error)?;
        check_path_component(label, "CA CommonName", &ca.common_name)?;
        let users = match kind {
            OrgKind::Peer => (1..=self.users.count.max(0))
                .map(|i| user(&format!("{USER_BASE_NAME}{i}"), &self.domain))
                .collect(),
            OrgKind::Orderer => Vec::new(),
        };
        Ok(Org {
            kind,
            name: self.name.clone(),
            domain: self.domain.clone(),
            node_ous: self.enable_node_ous,
            ca: CaSpec {
                common_name: ca.common_name,
                country: ca_spec.country,
                province: ca_spec.province,
                locality: ca_spec.locality,
                organizational_unit: ca_spec.organizational_unit,
                street_address: ca_spec.street_address,
                postal_code: ca_spec.postal_code,
            },
            nodes,
            users,
            admin: user(ADMIN_BASE_NAME, &self.domain),
        })
    }

    /// The hosts of `Template`: `Count` of them, hostnames rendered with Prefix, Index
    /// (from `Start`) and Domain; each carries the template's SANS unrendered.
    fn template_specs(&self, kind: OrgKind) -> Result<Vec<NodeSpec>, TemplateError> {
        let template = or_default_str(&self.template.hostname, DEFAULT_HOSTNAME_TEMPLATE);
        (0..self.template.count.max(0))
            .map(|i| {
                let index = (i + self.template.start).to_string();
                let hostname = template::render(template, &|field| match field {
                    "Prefix" => Some(kind.prefix().to_string()),
                    "Index" => Some(index.clone()),
                    "Domain" => Some(self.domain.clone()),
                    _ => None,
                })?;
                Ok(NodeSpec {
                    hostname,
                    sans: self.template.sans.clone(),
                    ..NodeSpec::default()
                })
            })
            .collect()
    }
}

/// The CN (default `<hostname>.<domain>`) and SANs of a spec: the CN and the hostname
/// first, as Fabric always adds them, then the spec's own SANS rendered.
fn render_node(domain: &str, spec: &NodeSpec) -> Result<Node, TemplateError> {
    let template = or_default_str(&spec.common_name, DEFAULT_CN_TEMPLATE);
    let common_name = template::render(template, &|field| match field {
        "Hostname" => Some(spec.hostname.clone()),
        "Domain" => Some(domain.to_string()),
        _ => None,
    })?;
    let mut sans = vec![common_name.clone(), spec.hostname.clone()];
    for san in &spec.sans {
        sans.push(template::render(san, &|field| match field {
            "Hostname" => Some(spec.hostname.clone()),
            "Domain" => Some(domain.to_string()),
            "CommonName" => Some(common_name.clone()),
            _ => None,
        })?);
    }
    Ok(Node { common_name, sans })
}

fn user(base: &str, domain: &str) -> Node {
    Node {
        common_name: format!("{base}@{domain}"),
        sans: Vec::new(),
    }
}

fn or_default_str<'a>(value: &'a str, default: &'a str) -> &'a str {
    if value.is_empty() {
        default
    } else {
        value
    }
}

/// Names that become folder names must be one plain path component.
fn check_path_component(org: &str, what: &str, value: &str) -> Result<(), ConfigError> {
    let bad = value.is_empty()
        || value == "."
        || value == ".."
        || value.contains(['/', '\\', '\0'])
        || value.starts_with('.');
    if bad {
        return Err(org_error(
            org,
            format!(
                "{what} {value:?} cannot be used as a folder name; give a name such as example.com"
            ),
        ));
    }
    Ok(())
}

fn org_error(org: &str, reason: String) -> ConfigError {
    ConfigError::Org {
        org: org.to_string(),
        reason,
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `null` (a key with nothing after it) gives the type's default, as yaml.v2 does.
fn or_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Any scalar fills a string field, as in yaml.v2 (`PostalCode: 94105`).
fn scalar_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    scalar_to_string(Value::deserialize(deserializer)?).map_err(serde::de::Error::custom)
}

fn scalar_strings<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Option::<Vec<Value>>::deserialize(deserializer)?
        .unwrap_or_default()
        .into_iter()
        .map(|v| scalar_to_string(v).map_err(serde::de::Error::custom))
        .collect()
}

fn scalar_to_string(value: Value) -> Result<String, String> {
    match value {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Sequence(_) | Value::Mapping(_) | Value::Tagged(_) => {
            Err("expected a single value (a string), found a list or a mapping".into())
        }
    }
}

/// YAML 1.1 booleans (`true`, `yes`, `on`, `y` and their negatives), as yaml.v2 reads them.
fn yaml11_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    let value = Value::deserialize(deserializer)?;
    let text = match &value {
        Value::Null => return Ok(false),
        Value::Bool(b) => return Ok(*b),
        Value::String(s) => s.as_str(),
        _ => "",
    };
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "True" | "TRUE" => Ok(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "False" | "FALSE" => Ok(false),
        _ => Err(serde::de::Error::custom(format!(
            "expected true or false, found {}",
            one_line(&serde_yaml::to_string(&value).unwrap_or_default())
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR_LIKE: &str = "
OrdererOrgs:
  - Name: Orderer
    Domain: example.com
    Specs:
      - Hostname: orderer
        SANS: [localhost, 127.0.0.1]
PeerOrgs:
  - Name: Org1
    Domain: org1.example.com
    EnableNodeOUs: true
    Template:
      Count: 2
      SANS: [localhost, 127.0.0.1]
    Users:
      Count: 1
";

    #[test]
    fn renders_specs_templates_users_and_the_ca() {
        let orgs = Config::from_yaml(VECTOR_LIKE).unwrap().render().unwrap();
        assert_eq!(orgs.len(), 2);
        let peer_org = &orgs[0];
        assert_eq!(peer_org.kind, OrgKind::Peer);
        assert!(peer_org.node_ous);
        assert_eq!(peer_org.ca.common_name, "ca.org1.example.com");
        let names: Vec<_> = peer_org.nodes.iter().map(|n| &n.common_name).collect();
        assert_eq!(names, ["peer0.org1.example.com", "peer1.org1.example.com"]);
        assert_eq!(
            peer_org.nodes[1].sans,
            ["peer1.org1.example.com", "peer1", "localhost", "127.0.0.1"]
        );
        assert_eq!(peer_org.users.len(), 1);
        assert_eq!(peer_org.users[0].common_name, "User1@org1.example.com");
        assert_eq!(peer_org.admin.common_name, "Admin@org1.example.com");

        let orderer_org = &orgs[1];
        assert_eq!(orderer_org.kind, OrgKind::Orderer);
        assert!(!orderer_org.node_ous);
        assert_eq!(orderer_org.nodes[0].common_name, "orderer.example.com");
        assert!(orderer_org.users.is_empty());
        assert_eq!(orderer_org.admin.common_name, "Admin@example.com");
    }

    #[test]
    fn explicit_common_names_sans_templates_start_and_hostname_templates() {
        let yaml = "
PeerOrgs:
  - Name: Org5
    Domain: org5.example.com
    CA:
      Hostname: myca
      Country: DE
      PostalCode: 10115
    Specs:
      - Hostname: foo
        CommonName: foo27.{{.Domain}}
        SANS: ['bar.{{.Domain}}', '{{.Hostname}}.org6.net', '{{.CommonName}}.alt', 172.16.10.31]
    Template:
      Count: 2
      Start: 5
      Hostname: node{{.Index}}-{{.Prefix}}
      SANS: ['{{.Hostname}}.alt.{{.Domain}}']
";
        let org = Config::from_yaml(yaml).unwrap().render().unwrap().remove(0);
        assert_eq!(org.ca.common_name, "myca.org5.example.com");
        assert_eq!(org.ca.country, "DE");
        assert_eq!(org.ca.postal_code, "10115");
        assert_eq!(org.nodes[0].common_name, "foo27.org5.example.com");
        assert_eq!(
            org.nodes[0].sans,
            [
                "foo27.org5.example.com",
                "foo",
                "bar.org5.example.com",
                "foo.org6.net",
                "foo27.org5.example.com.alt",
                "172.16.10.31"
            ]
        );
        assert_eq!(org.nodes[1].common_name, "node5-peer.org5.example.com");
        assert_eq!(org.nodes[2].common_name, "node6-peer.org5.example.com");
        assert_eq!(org.nodes[2].sans[2], "node6-peer.alt.org5.example.com");
        assert!(org.users.is_empty());
    }

    #[test]
    fn yaml11_booleans_and_null_sections_are_accepted() {
        let yaml = "
PeerOrgs:
  - Name: Org1
    Domain: org1.example.com
    EnableNodeOUs: yes
    Specs:
    Template:
    Users:
";
        let org = Config::from_yaml(yaml).unwrap().render().unwrap().remove(0);
        assert!(org.node_ous);
        assert!(org.nodes.is_empty());
        assert!(Config::from_yaml("").unwrap().render().unwrap().is_empty());
    }

    #[test]
    fn unknown_keys_and_bad_values_are_one_line_errors() {
        let err = Config::from_yaml("PeerOrgs:\n  - Name: A\n    Domian: a.com\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("unknown field `Domian`"), "{text}");
        assert!(!text.contains('\n'));
        let err = Config::from_yaml("PeerOrgs:\n  - EnableNodeOUs: maybe\n").unwrap_err();
        assert!(err.to_string().contains("expected true or false"), "{err}");
        let err = Config::from_yaml("PeerOrgs: [").unwrap_err();
        assert!(matches!(err, ConfigError::Yaml(_)));
        let err = Config::from_yaml("Template:\n  Count: two\n").unwrap_err();
        assert!(matches!(err, ConfigError::Yaml(_)));
    }

    #[test]
    fn unusable_names_and_templates_are_refused() {
        let no_domain = Config::from_yaml("PeerOrgs:\n  - Name: A\n").unwrap();
        assert!(matches!(no_domain.render(), Err(ConfigError::Org { .. })));
        let escape = Config::from_yaml(
            "PeerOrgs:\n  - Name: A\n    Domain: a.com\n    Specs:\n      - Hostname: x\n        CommonName: ../../etc\n",
        )
        .unwrap();
        assert!(matches!(escape.render(), Err(ConfigError::Org { .. })));
        let bad_template = Config::from_yaml(
            "PeerOrgs:\n  - Name: A\n    Domain: a.com\n    Template:\n      Count: 1\n      Hostname: '{{.CommonName}}'\n",
        )
        .unwrap();
        let err = bad_template.render().unwrap_err();
        assert!(err.to_string().contains("no field CommonName"), "{err}");
        let twice = Config::from_yaml(
            "PeerOrgs:\n  - Name: A\n    Domain: a.com\n  - Name: B\n    Domain: a.com\n",
        )
        .unwrap();
        assert!(twice
            .render()
            .unwrap_err()
            .to_string()
            .contains("two organizations"));
    }

    #[test]
    fn the_default_template_describes_fabrics_default_network() {
        let orgs = Config::default_config().unwrap().render().unwrap();
        let summary: Vec<(OrgKind, &str, usize, usize, bool)> = orgs
            .iter()
            .map(|o| {
                (
                    o.kind,
                    o.domain.as_str(),
                    o.nodes.len(),
                    o.users.len(),
                    o.node_ous,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (OrgKind::Peer, "org1.example.com", 1, 1, false),
                (OrgKind::Peer, "org2.example.com", 1, 1, false),
                (OrgKind::Orderer, "example.com", 1, 0, false),
            ]
        );
        assert_eq!(orgs[2].nodes[0].common_name, "orderer.example.com");
    }
}
