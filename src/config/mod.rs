//! core.yaml loading with viper's rules: FABRIC_CFG_PATH search, CORE_* environment
//! overrides, flags on top, file paths resolved against the config file.
//!
//! [`ConfigSource`] is the reusable, viper-like layer (the orderer uses it with prefix
//! ORDERER); [`CoreConfig`] is the typed view of every core.yaml key.

mod cmdline;
mod core_config;
mod duration;
mod env;
mod error;
mod search;
mod source;
mod value;

pub use cmdline::flag_error_line;
pub use core_config::*;
pub use duration::{parse_go_duration, parse_viper_duration};
pub use env::Environment;
pub use error::ConfigError;
pub use search::{find_config_file, search_dirs, translate_path, OFFICIAL_PATH};
pub use source::ConfigSource;
pub use value::ValueError;
