//! Delivery (DESIGN §3.9–§3.11): the interventions providers run, the young people they work
//! with, and who is enrolled in what.

pub mod enrolments;
pub mod interventions;
pub mod participants;
