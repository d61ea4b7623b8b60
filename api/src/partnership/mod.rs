//! Partnership working (DESIGN §3.4–§3.8): partnerships and their members, the written
//! agreements they sign, and the targets they agree.

pub mod agreements;
pub mod partnerships;
pub mod targets;
