/** Where Terraform finds the provider: its source address (hostname/namespace/type) and version. */
export const PROVIDER_HOSTNAME = 'warden.dev'
export const PROVIDER_NAMESPACE = 'warden'
export const PROVIDER_TYPE = 'warden'
export const PROVIDER_VERSION = '0.1.0'
export const PROVIDER_SOURCE = `${PROVIDER_HOSTNAME}/${PROVIDER_NAMESPACE}/${PROVIDER_TYPE}`
