//! Who is asking and what they may do: bearer tokens ([`auth`]) and every access rule
//! ([`policy`]). Services ask here; nothing here asks a service.

pub mod auth;
pub mod policy;
