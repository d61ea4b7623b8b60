//! Downloads (DESIGN §7): what the API serves, written as the files reports, funders and
//! service directories read. CSV tables of every aggregate ([`table`]), a partnership's IATI
//! 2.03 activities with its targets as results ([`iati`]), and its services as Open Referral
//! HSDS 3.0 ([`hsds`]).
//!
//! A file is one more face over the services that answer GraphQL: the same checks, the same
//! access policy, the same disclosure control, and never a child's row. The writers decide
//! nothing; [`service`] reads what they write under the caller's policy. Each writer yields its
//! file piece by piece, which the server streams.

pub mod hsds;
pub mod iati;
pub mod service;
pub mod table;
