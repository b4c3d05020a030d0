//! The ordering node (Fabric's `orderer`): its configuration ([`localconfig`]), the per
//! channel file ledger ([`ledger`]), batching ([`blockcutter`]), block creation and signing
//! ([`blockwriter`]), consenters ([`consensus`]), the Broadcast and Deliver handlers
//! ([`broadcast`], [`deliver`]), channel management ([`multichannel`]) and the server that
//! composes them ([`server`]).

pub mod blockcutter;
pub mod blockwriter;
pub mod broadcast;
pub mod cli;
pub mod consensus;
pub mod deliver;
pub mod ledger;
pub mod localconfig;
pub mod msgprocessor;
pub mod multichannel;
pub mod operations;
pub mod server;
