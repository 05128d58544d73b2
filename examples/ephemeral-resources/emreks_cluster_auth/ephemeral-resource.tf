# A short-lived token for the platform's cluster, opened for each run and
# never written to the plan or the state.
ephemeral "emreks_cluster_auth" "this" {
  platform_id = emreks_platform.this.id
}

# Ephemeral values flow only into ephemeral places: provider blocks,
# ephemeral locals and outputs of modules, provisioners, write-only arguments.
locals {
  kubernetes = {
    host                   = ephemeral.emreks_cluster_auth.this.endpoint
    cluster_ca_certificate = base64decode(ephemeral.emreks_cluster_auth.this.certificate_authority_data)
    token                  = ephemeral.emreks_cluster_auth.this.token
  }
}
