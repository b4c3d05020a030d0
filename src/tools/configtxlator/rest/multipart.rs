//! The part of `multipart/form-data` (RFC 7578) the REST server reads: each part's field
//! name, whether it was sent as a file, and its bytes.

/// One form field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    /// Sent with a `filename` (`curl -F name=@file`): Go's `FormFile` finds only these.
    pub is_file: bool,
    pub data: Vec<u8>,
}

/// Why a body is not a readable form; the texts are Go's `net/http` ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("request Content-Type isn't multipart/form-data")]
    NotMultipart,
    #[error("no multipart boundary param in Content-Type")]
    NoBoundary,
    #[error("multipart: NextPart: EOF")]
    Truncated,
}

/// The boundary named by a `multipart/form-data` Content-Type header.
pub fn boundary(content_type: Option<&str>) -> Result<String, FormError> {
    let content_type = content_type.ok_or(FormError::NotMultipart)?;
    let mut params = content_type.split(';');
    let media = params.next().unwrap_or_default().trim();
    if !media.eq_ignore_ascii_case("multipart/form-data") {
        return Err(FormError::NotMultipart);
    }
    params
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
        .filter(|b| !b.is_empty())
        .ok_or(FormError::NoBoundary)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The value of `key="..."` (or `key=token`) in a Content-Disposition header.
fn disposition_param(header: &str, key: &str) -> Option<String> {
    header.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(key)
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

fn part(raw: &[u8]) -> Result<Option<Part>, FormError> {
    let split = find(raw, b"\r\n\r\n").ok_or(FormError::Truncated)?;
    let headers = String::from_utf8_lossy(&raw[..split]);
    let data = raw[split + 4..].to_vec();
    let disposition = headers.split("\r\n").find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-disposition")
            .then(|| value.trim().to_string())
    });
    let Some(disposition) = disposition else {
        return Ok(None);
    };
    let Some(name) = disposition_param(&disposition, "name") else {
        return Ok(None);
    };
    Ok(Some(Part {
        name,
        is_file: disposition_param(&disposition, "filename").is_some(),
        data,
    }))
}

/// Every named part of `body`, in order.
pub fn parse(body: &[u8], boundary: &str) -> Result<Vec<Part>, FormError> {
    let delimiter = format!("--{boundary}");
    let start = find(body, delimiter.as_bytes()).ok_or(FormError::Truncated)?;
    let mut rest = &body[start + delimiter.len()..];
    let next = format!("\r\n--{boundary}");
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        rest = rest.strip_prefix(b"\r\n").ok_or(FormError::Truncated)?;
        let end = find(rest, next.as_bytes()).ok_or(FormError::Truncated)?;
        if let Some(p) = part(&rest[..end])? {
            parts.push(p);
        }
        rest = &rest[end + next.len()..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"--XyZ\r\n\
Content-Disposition: form-data; name=\"original\"; filename=\"a.pb\"\r\n\
Content-Type: application/octet-stream\r\n\r\n\
\x0a\x00\r\n\x01\r\n\
--XyZ\r\n\
Content-Disposition: form-data; name=\"channel\"\r\n\r\n\
mychannel\r\n\
--XyZ--\r\n";

    #[test]
    fn files_and_values_are_read() {
        let b = boundary(Some("multipart/form-data; boundary=XyZ")).unwrap();
        let parts = parse(BODY, &b).unwrap();
        assert_eq!(
            parts,
            vec![
                Part {
                    name: "original".into(),
                    is_file: true,
                    data: b"\x0a\x00\r\n\x01".to_vec(),
                },
                Part {
                    name: "channel".into(),
                    is_file: false,
                    data: b"mychannel".to_vec(),
                },
            ]
        );
    }

    #[test]
    fn bad_forms_are_reported() {
        assert_eq!(boundary(None), Err(FormError::NotMultipart));
        assert_eq!(
            boundary(Some("application/json")),
            Err(FormError::NotMultipart)
        );
        assert_eq!(
            boundary(Some("multipart/form-data")),
            Err(FormError::NoBoundary)
        );
        assert_eq!(parse(b"--XyZ\r\nno end", "XyZ"), Err(FormError::Truncated));
        assert_eq!(parse(b"nothing", "XyZ"), Err(FormError::Truncated));
    }
}
