//! The shared directory every partnership draws on: areas, organisations, users, the indicator
//! library and the rules that measurements of each indicator must follow.

pub mod areas;
pub mod indicators;
pub mod measures;
pub mod organisations;
pub mod users;
