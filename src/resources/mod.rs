//! One module per resource: schema, typed state, pure expand/flatten, and a
//! thin lifecycle doing the AWS I/O.

pub mod nodegroup;
pub mod notebook_user;
pub mod platform;
pub mod values;
