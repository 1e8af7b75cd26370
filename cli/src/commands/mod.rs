//! One module per command.

pub mod call;
pub mod cert_info;
pub mod demo;
pub mod headers;
pub mod mock;
pub mod token;
