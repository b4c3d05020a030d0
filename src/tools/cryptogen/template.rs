//! The small part of Go's `text/template` that crypto-config.yaml uses: field references
//! such as `{{.Hostname}}` or `{{ .Domain }}`, with the `{{-` / `-}}` whitespace trims.
//! Anything else inside `{{ }}` (pipelines, functions, conditionals) is refused with an
//! error rather than silently passed through.

/// A template that could not be rendered; one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template {template:?}: {reason}")]
pub struct TemplateError {
    pub template: String,
    pub reason: String,
}

/// Renders `input`, replacing every `{{.Name}}` with the value `lookup` gives for `Name`.
/// `lookup` returns `None` for a field the data does not have.
pub fn render(
    input: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, TemplateError> {
    let fail = |reason: String| TemplateError {
        template: input.to_string(),
        reason,
    };
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after_open = &rest[start + 2..];
        let end = after_open
            .find("}}")
            .ok_or_else(|| fail("unclosed action: a \"{{\" has no matching \"}}\"".into()))?;
        let mut action = &after_open[..end];
        rest = &after_open[end + 2..];
        if let Some(trimmed) = action.strip_prefix("- ") {
            action = trimmed;
            out.truncate(out.trim_end().len());
        }
        if let Some(trimmed) = action.strip_suffix(" -") {
            action = trimmed;
            rest = rest.trim_start();
        }
        let action = action.trim();
        let field = action
            .strip_prefix('.')
            .filter(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .ok_or_else(|| {
                fail(format!(
                    "unsupported action {{{{{action}}}}}: only field references such as {{{{.Hostname}}}} are supported"
                ))
            })?;
        let value =
            lookup(field).ok_or_else(|| fail(format!("there is no field {field} to use here")))?;
        out.push_str(&value);
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(field: &str) -> Option<String> {
        match field {
            "Hostname" => Some("peer0".into()),
            "Domain" => Some("org1.example.com".into()),
            _ => None,
        }
    }

    #[test]
    fn substitutes_fields_with_and_without_spaces() {
        assert_eq!(
            render("{{.Hostname}}.{{ .Domain }}", &data).unwrap(),
            "peer0.org1.example.com"
        );
        assert_eq!(render("plain", &data).unwrap(), "plain");
        assert_eq!(render("", &data).unwrap(), "");
    }

    #[test]
    fn trim_markers_eat_the_adjacent_whitespace() {
        assert_eq!(render("a  {{- .Hostname -}}  b", &data).unwrap(), "apeer0b");
    }

    #[test]
    fn unknown_fields_and_other_actions_are_errors() {
        let err = render("{{.Prefix}}", &data).unwrap_err();
        assert!(err.to_string().contains("no field Prefix"), "{err}");
        let err = render("{{printf \"%s\" .Hostname}}", &data).unwrap_err();
        assert!(err.to_string().contains("unsupported action"), "{err}");
        let err = render("{{.Hostname", &data).unwrap_err();
        assert!(err.to_string().contains("unclosed"), "{err}");
        assert!(render("{{.}}", &data).is_err());
    }
}
