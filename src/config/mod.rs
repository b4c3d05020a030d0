//! core.yaml loading with viper's rules: FABRIC_CFG_PATH search, CORE_* environment
//! overrides, flags on top, file paths resolved against the config file.
