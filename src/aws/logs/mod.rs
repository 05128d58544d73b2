//! Amazon CloudWatch Logs: the log groups of the platform's jobs.

pub mod log_group;
