//! Amazon EMR: the platform's EMR Studio and its users' session mappings.

pub mod session_mapping;
pub mod studio;
