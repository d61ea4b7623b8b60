//! Evaluation evidence (DESIGN §3.12–§3.15, §5.1): submissions, the outcome records and stories
//! they carry, CSV import of records, and the commissioner's review.

pub mod csv_import;
pub mod live;
pub mod outcome_records;
pub mod reviews;
pub mod stories;
pub mod submissions;
