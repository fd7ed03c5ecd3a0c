//! E-mail: the message as bytes ([`mime`]), with its size known before it is written; the
//! providers' settings ([`providers`]); and the connections to them ([`smtp`], [`imap`]), which
//! share certificate trust and step-by-step failures ([`connect`]).

pub mod compose;
pub mod connect;
pub mod imap;
pub mod imap_guard;
pub mod mime;
pub mod providers;
pub mod smtp;
