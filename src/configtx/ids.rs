//! Fabric's naming rules for channel ids and config element names.

use super::ConfigtxError;

/// The longest channel or config id Fabric accepts.
pub const MAX_ID_LENGTH: usize = 249;

/// A channel id: lower-case letter, then lower-case letters, digits, `.` and `-`.
pub fn validate_channel_id(channel_id: &str) -> Result<(), ConfigtxError> {
    if channel_id.is_empty() {
        return Err(ConfigtxError::BadId(
            "channel ID illegal, cannot be empty".into(),
        ));
    }
    if channel_id.len() > MAX_ID_LENGTH {
        return Err(ConfigtxError::BadId(format!(
            "channel ID illegal, cannot be longer than {MAX_ID_LENGTH}"
        )));
    }
    let mut chars = channel_id.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok =
        chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
    if !(first_ok && rest_ok) {
        return Err(ConfigtxError::BadId(format!(
            "channel ID '{channel_id}' contains illegal characters"
        )));
    }
    Ok(())
}

/// A config element name (group, value or policy key): letters, digits, `.` and `-`, not
/// `.` or `..`.
pub fn validate_config_id(config_id: &str) -> Result<(), ConfigtxError> {
    if config_id.is_empty() {
        return Err(ConfigtxError::BadId(
            "config ID illegal, cannot be empty".into(),
        ));
    }
    if config_id.len() > MAX_ID_LENGTH {
        return Err(ConfigtxError::BadId(format!(
            "config ID illegal, cannot be longer than {MAX_ID_LENGTH}"
        )));
    }
    if config_id == "." || config_id == ".." {
        return Err(ConfigtxError::BadId(format!(
            "name '{config_id}' for config ID is not allowed"
        )));
    }
    if !config_id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        return Err(ConfigtxError::BadId(format!(
            "config ID '{config_id}' contains illegal characters"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_ids() {
        for ok in ["mychannel", "a", "my-channel.2"] {
            assert!(validate_channel_id(ok).is_ok(), "{ok}");
        }
        for bad in ["", "MyChannel", "1chan", "my_channel", &"a".repeat(250)] {
            assert!(validate_channel_id(bad).is_err(), "{bad}");
        }
        assert_eq!(
            validate_channel_id("Bad").unwrap_err().to_string(),
            "channel ID 'Bad' contains illegal characters"
        );
    }

    #[test]
    fn config_ids() {
        for ok in ["Org1MSP", "Admins", "a.b-c", "..."] {
            assert!(validate_config_id(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".", "..", "a/b", "a b", &"a".repeat(250)] {
            assert!(validate_config_id(bad).is_err(), "{bad}");
        }
    }
}
