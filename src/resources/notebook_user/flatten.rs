//! The one place that writes what an apply or a refresh learned of a
//! notebook user's endpoints into `emreks_notebook_user`'s state.

use std::collections::BTreeMap;

use super::apply::Built;
use super::schema::NotebookUserState;
use crate::resources::values::to_map;

/// What an apply learned, over the planned state.
pub fn built(state: &mut NotebookUserState, built: &Built) {
    if built.learned {
        endpoints(
            state,
            &built.endpoint_ids,
            &built.endpoint_arns,
            built.studio_login_url.clone(),
        );
    }
}

/// The user's endpoints and where the user signs in.
pub fn endpoints(
    state: &mut NotebookUserState,
    ids: &BTreeMap<String, String>,
    arns: &BTreeMap<String, String>,
    studio_login_url: Option<String>,
) {
    state.managed_endpoint_ids = to_map(ids);
    state.managed_endpoint_arns = to_map(arns);
    state.studio_login_url = studio_login_url.into();
}
