import type { Migration } from 'kysely'
import { accountsAndAudit } from './0001-accounts-audit.js'
import { jobs } from './0002-jobs.js'
import { integrationsAndInventory } from './0003-integrations-inventory.js'
import { requests } from './0004-requests.js'
import { jit } from './0005-jit.js'
import { sodAndDrift } from './0006-sod-drift.js'
import { webhooks } from './0007-webhooks.js'
import { campaigns } from './0008-campaigns.js'
import { appOwners } from './0009-app-owners.js'

/**
 * Every migration, in order, imported in code (not read from disk) so the list is the same in a
 * bundle, under tsx and in tests. Names sort lexically in the order they must run; never rename or
 * edit a migration that has shipped: add a new one.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_accounts_audit': accountsAndAudit,
  '0002_jobs': jobs,
  '0003_integrations_inventory': integrationsAndInventory,
  '0004_requests': requests,
  '0005_jit': jit,
  '0006_sod_drift': sodAndDrift,
  '0007_webhooks': webhooks,
  '0008_campaigns': campaigns,
  '0009_app_owners': appOwners,
})
