//! Planning `emreks_notebook_user`, as pure code: its id, what is known
//! before apply, and a state fit to save after a step failed.

use super::schema::{configured, NotebookUserState};
use crate::platform::naming;
use crate::plugin::Value;
use crate::resources::values::{known, string_map, unknown_as_null};

pub fn plan_create(proposed: NotebookUserState) -> NotebookUserState {
    let mut planned = proposed;
    if planned.identity_type.is_null() {
        planned.identity_type = Value::Value("USER".into());
    }
    planned.id = match (
        known(&planned.platform_id),
        known(&planned.identity_type),
        known(&planned.identity_name),
    ) {
        (Some(p), Some(t), Some(n)) => Value::Value(naming::notebook_user_id(p, t, n)),
        _ => Value::Unknown,
    };
    planned.managed_endpoint_ids = Value::Unknown;
    planned.managed_endpoint_arns = Value::Unknown;
    planned.studio_login_url = Value::Unknown;
    planned
}

/// The endpoints' ids and ARNs are known after apply when the endpoints
/// change, or when the refresh found some gone.
pub fn plan_update(prior: &NotebookUserState, proposed: NotebookUserState) -> NotebookUserState {
    let mut planned = proposed;
    let names: Vec<String> = configured(&planned).into_keys().collect();
    let have: Vec<String> = string_map(&prior.managed_endpoint_ids)
        .into_keys()
        .collect();
    if names != have
        || configured(&planned) != configured(prior)
        || planned.managed_endpoints.is_unknown()
    {
        planned.managed_endpoint_ids = Value::Unknown;
        planned.managed_endpoint_arns = Value::Unknown;
    }
    planned
}

pub fn settle(state: &mut NotebookUserState) {
    unknown_as_null(&mut state.id);
    unknown_as_null(&mut state.studio_login_url);
    unknown_as_null(&mut state.managed_endpoint_ids);
    unknown_as_null(&mut state.managed_endpoint_arns);
}
