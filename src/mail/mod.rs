//! E-mail: the message as bytes ([`mime`]), with its size known before it is written.

pub mod mime;
