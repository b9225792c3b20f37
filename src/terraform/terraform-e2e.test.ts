/**
 * The Terraform provider end to end (docs/terraform.md): the real `terraform` binary installs the
 * bundled provider from a filesystem mirror written by installProvider, and drives a real Warden
 * server (SQLite, a worker, the OneLogin emulator) over its REST API with a personal API token.
 * Plan, apply, no-change plans, updates, a replacement, drift, import of each resource type, data
 * sources, an API error as a diagnostic, `warden terraform export` then plan, destroy, and a
 * connected integration; the client secret shows only in terraform.tfstate.
 *
 * Without `terraform` on the PATH the file registers nothing and says so in one line.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runWarden } from '../cli/test-support.js'
import { PROVIDER_BLOCK, WardenServer, Workspace, findTerraform, hcl, installForTests } from './e2e-support.js'
import type { EntitlementView, IntegrationView, TfRun } from './e2e-support.js'

const TERRAFORM = findTerraform()
if (TERRAFORM === undefined) console.warn('terraform not found on PATH: the Terraform provider end-to-end tests did not run')

interface ApiApp {
  id: string
  name: string
  description: string
  owner_user_ids?: string[]
  integrations: { id: string }[]
}
interface ApiPolicy {
  id: string
  name: string
  kind: string
  steps: { approvers: unknown[]; fallback: unknown[]; require_reason: boolean }[]
}
interface ApiSodRule {
  id: string
  name: string
  action: string
  approver_user_ids: string[]
  enabled: boolean
  set_a: { integration_id: string; entitlement_id: string }[]
  set_b: { integration_id: string; entitlement_id: string }[]
}
interface ApiEntitlement extends EntitlementView {
  owners: { id: string }[]
}

/** The run's output for an assertion message. */
function shown(run: TfRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`
}

function expectOk(run: TfRun): TfRun {
  expect(run.code, shown(run)).toBe(0)
  return run
}

describe.skipIf(TERRAFORM === undefined)('Terraform provider end to end (terraform, the bundled provider, a Warden server)', () => {
  let root: string
  let server: WardenServer
  let cliConfigFile: string
  /** TF_LOG=DEBUG of every run (the provider's stderr included: Terraform logs it). */
  let logFile: string
  /** A OneLogin integration connected through the API and synced: its app's entitlements are what the resources govern. */
  let base: IntegrationView
  let roles: EntitlementView[]
  const workspaces: Workspace[] = []

  function workspace(name: string, env: Record<string, string> = {}): Workspace {
    const w = new Workspace(join(root, 'work', name), {
      terraform: TERRAFORM ?? 'terraform',
      cliConfigFile,
      serverUrl: server.url,
      apiToken: server.admin.token,
      logFile,
      env,
    })
    workspaces.push(w)
    return w
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'warden-tf-e2e-'))
    logFile = join(root, 'terraform.log')
    server = await WardenServer.start(root)
    ;({ cliConfigFile } = await installForTests(root))
    base = await server.connectedIntegration('OneLogin')
    roles = await server.entitlements(base.id, 'role:')
    roles = roles.filter((e) => e.id.endsWith(':member'))
    if (roles.length < 4) throw new Error(`the demo tenant has ${roles.length} role memberships; the tests need 4`)
  }, 90_000)

  afterAll(async () => {
    await server?.close()
    if (root !== undefined && process.env['WARDEN_KEEP_TF_E2E'] === undefined) rmSync(root, { recursive: true, force: true })
  })

  // In order, one at a time: Terraform's time goes to starting provider processes, which is CPU-bound;
  // run side by side on a two-core machine they were slower, not faster.
  describe('scenarios', () => {
    it('imports each resource type by its import ID, then plans no changes', async () => {
      const admin = server.admin.user.id
      const [, , , d] = roles
      const app = await server.api<ApiApp>('POST', '/apps', { name: 'Billing', description: 'Invoices' })
      await server.api('PATCH', `/apps/${app.id}`, { owner_user_ids: [admin] })
      const integration = await server.api<IntegrationView>('POST', '/integrations', { app_id: app.id })
      const policy = await server.api<ApiPolicy>('POST', '/policies', {
        name: 'App owners',
        kind: 'grant',
        steps: [{ approvers: [{ type: 'app_owners' }] }],
      })
      const rule = await server.api<ApiSodRule>('POST', '/sod-rules', {
        name: 'Imported rule',
        description: '',
        set_a: [{ integration_id: base.id, entitlement_id: roles[0]!.id }],
        set_b: [{ integration_id: base.id, entitlement_id: roles[1]!.id }],
        action: 'block',
        approver_user_ids: [],
        enabled: false,
      })
      await server.api('PATCH', `/integrations/${base.id}/entitlements/${d!.id}`, { requestable: true, risk_level: 'low', description: 'Imported' })

      const w = workspace('import')
      w.write(
        'main.tf',
        `${PROVIDER_BLOCK}
resource "warden_app" "billing" {
  name           = "Billing"
  description    = "Invoices"
  owner_user_ids = ${hcl([admin])}
}

resource "warden_integration_onelogin" "billing" {
  app_id = warden_app.billing.id
}

resource "warden_policy" "owners" {
  name = "App owners"
  step {
    approvers = ["app_owners"]
  }
}

resource "warden_sod_rule" "imported" {
  name    = "Imported rule"
  set_a   = [${hcl({ integration_id: base.id, entitlement_id: roles[0]!.id }, '  ')}]
  set_b   = [${hcl({ integration_id: base.id, entitlement_id: roles[1]!.id }, '  ')}]
  action  = "block"
  enabled = false
}

resource "warden_app_entitlement" "d" {
  app_id         = ${hcl(base.app_id)}
  entitlement_id = ${hcl(d!.id)}
  description    = "Imported"
  requestable    = true
  risk_level     = "low"
}
`,
      )
      await w.init()
      const imports: [string, string][] = [
        ['warden_app.billing', app.id],
        ['warden_integration_onelogin.billing', integration.id],
        ['warden_policy.owners', policy.id],
        ['warden_sod_rule.imported', rule.id],
        ['warden_app_entitlement.d', `${base.app_id}/${d!.id}`],
      ]
      for (const [address, id] of imports) {
        const run = await w.tf(['import', '-input=false', address, id])
        expect(run.code, `${address} ${id}\n${shown(run)}`).toBe(0)
        expect(run.stdout).toContain('Import successful!')
      }
      const state = w.state()
      expect(state['warden_app.billing']).toMatchObject({ id: app.id, name: 'Billing', description: 'Invoices', owner_user_ids: [admin] })
      expect(state['warden_integration_onelogin.billing']).toMatchObject({ id: integration.id, app_id: app.id, status: 'not_connected' })
      expect(state['warden_app_entitlement.d']).toMatchObject({ app_id: base.app_id, entitlement_id: d!.id, integration_id: base.id, requestable: true })
      const plan = await w.tf(['plan', '-input=false', '-detailed-exitcode'])
      expect(plan.code, shown(plan)).toBe(0)

      // A wrong import ID is refused with a diagnostic, and nothing enters the state.
      w.write('other.tf', `resource "warden_app_entitlement" "other" {\n  app_id         = ${hcl(base.app_id)}\n  entitlement_id = ${hcl(d!.id)}\n}\n`)
      const bad = await w.tf(['import', '-input=false', 'warden_app_entitlement.other', 'not-an-import-id'])
      expect(bad.code).toBe(1)
      expect(bad.stderr).toMatch(/Error:/)
      expect(bad.stderr).toContain('<app_id>/<entitlement_id>')
      expect(w.state()['warden_app_entitlement.other']).toBeUndefined()
    })

    it('reads the data sources warden_app, warden_entitlement and warden_user', async () => {
      const role = roles[1]!
      const w = workspace('data')
      w.write(
        'main.tf',
        `${PROVIDER_BLOCK}
data "warden_app" "onelogin" {
  name = "OneLogin"
}

data "warden_app" "by_id" {
  id = ${hcl(base.app_id)}
}

data "warden_entitlement" "role" {
  app_id = data.warden_app.onelogin.id
  name   = ${hcl(role.display_name)}
}

data "warden_user" "admin" {
  email = ${hcl(server.admin.user.email)}
}

output "app" {
  value = data.warden_app.onelogin
}
output "by_id_name" {
  value = data.warden_app.by_id.name
}
output "entitlement" {
  value = data.warden_entitlement.role
}
output "user" {
  value = data.warden_user.admin
}
`,
      )
      await w.init()
      expectOk(await w.tf(['apply', '-input=false', '-auto-approve']))
      const out = await w.tf(['output', '-json'])
      expect(out.code, shown(out)).toBe(0)
      const values = JSON.parse(out.stdout) as Record<string, { value: Record<string, unknown> | string }>
      expect(values['app']?.value).toMatchObject({ id: base.app_id, name: 'OneLogin', state: 'managed', integration_ids: [base.id] })
      expect(values['by_id_name']?.value).toBe('OneLogin')
      expect(values['entitlement']?.value).toMatchObject({ id: role.id, integration_id: base.id, requestable: role.requestable })
      expect(values['user']?.value).toMatchObject({ id: server.admin.user.id, display_name: 'Terry Form', disabled: false })
      expect((values['user']?.value as { roles: string[] }).roles).toContain('super-admin')
    })

    it('reports an API error as a diagnostic on the attribute it concerns', async () => {
      const w = workspace('api-error')
      const nobody = 'usr_0000000000000000000000zzzz'
      w.write(
        'main.tf',
        `${PROVIDER_BLOCK}
resource "warden_app" "bad" {
  name           = "Owned by nobody"
  owner_user_ids = [${hcl(nobody)}]
}

resource "warden_app_entitlement" "bad" {
  app_id         = ${hcl(base.app_id)}
  entitlement_id = "role:999999999:member"
  requestable    = true
}
`,
      )
      await w.init()
      const run = await w.tf(['apply', '-input=false', '-auto-approve'])
      expect(run.code, shown(run)).toBe(1)
      expect(run.stderr).toContain('Error: ')
      expect(run.stderr).toContain(nobody)
      // Terraform shows the configuration line of the attribute the diagnostic names.
      expect(run.stderr).toMatch(/with warden_app\.bad,\s*\n.*on main\.tf line \d+, in resource "warden_app" "bad":\s*\n\s*\d+:\s+owner_user_ids\s+=/)
      expect(run.stderr).toMatch(
        /with warden_app_entitlement\.bad,\s*\n.*on main\.tf line \d+, in resource "warden_app_entitlement" "bad":\s*\n\s*\d+:\s+entitlement_id\s+=/,
      )
      expect(run.stderr).toContain('role:999999999:member')
      expect(w.state()).toEqual({})
      const left = await server.api<{ items: ApiApp[] }>('GET', '/apps?q=Owned%20by%20nobody')
      expect(left.items).toEqual([])
    })

    // The lifecycle: one workspace, its steps in order.
    {
      let w: Workspace

      interface Knobs {
        appDescription: string
        policyName: string
        sodAction: 'block' | 'extra_approval'
        risk: string
        integrationApp: 'crm' | 'crm2'
      }

      const first: Knobs = { appDescription: 'Customer records', policyName: 'Manager, then app owners', sodAction: 'block', risk: 'high', integrationApp: 'crm' }

      function config(k: Knobs): string {
        const admin = server.admin.user.id
        const owner = server.owner.user.id
        const [a, b, c] = roles
        const sodApprovers = k.sodAction === 'extra_approval' ? `\n  approver_user_ids = ${hcl([admin])}` : ''
        return `${PROVIDER_BLOCK}
resource "warden_app" "crm" {
  name           = "CRM"
  description    = ${hcl(k.appDescription)}
  owner_user_ids = ${hcl([admin])}
}

resource "warden_app" "crm2" {
  name = "CRM (EU)"
}

resource "warden_integration_onelogin" "crm" {
  app_id   = warden_app.${k.integrationApp}.id
  user_ids = ${hcl([owner, admin])}
}

resource "warden_policy" "two_step" {
  name = ${hcl(k.policyName)}
  step {
    approvers = ["manager"]
    fallback  = ["app_owners"]
  }
  step {
    approvers      = ["app_owners"]
    require_reason = true
  }
}

resource "warden_sod_rule" "finance" {
  name   = "Payments vs. approvals"
  set_a  = [${hcl({ integration_id: base.id, entitlement_id: a!.id }, '  ')}]
  set_b  = [${hcl({ integration_id: base.id, entitlement_id: c!.id }, '  ')}, ${hcl({ integration_id: base.id, entitlement_id: b!.id }, '  ')}]
  action = ${hcl(k.sodAction)}${sodApprovers}
}

resource "warden_app_entitlement" "role" {
  app_id               = ${hcl(base.app_id)}
  entitlement_id       = ${hcl(a!.id)}
  description          = "Pays suppliers"
  requestable          = true
  max_duration_minutes = 480
  risk_level           = ${hcl(k.risk)}
  owner_user_ids       = ${hcl([admin])}
  grant_policy_id      = warden_policy.two_step.id
}
`
      }

      it('plans the creation of six resources', async () => {
        w = workspace('lifecycle')
        w.write('main.tf', config(first))
        await w.init()
        const run = await w.tf(['plan', '-input=false', '-detailed-exitcode'])
        expect(run.code, shown(run)).toBe(2)
        expect(run.stdout).toContain('Plan: 6 to add, 0 to change, 0 to destroy.')
        for (const address of ['warden_app.crm', 'warden_app.crm2', 'warden_integration_onelogin.crm', 'warden_policy.two_step', 'warden_sod_rule.finance', 'warden_app_entitlement.role']) {
          expect(run.stdout).toContain(`# ${address} will be created`)
        }
      })

      it('applies them: Warden holds what the configuration says', async () => {
        const run = expectOk(await w.tf(['apply', '-input=false', '-auto-approve']))
        expect(run.stdout).toContain('Apply complete! Resources: 6 added, 0 changed, 0 destroyed.')
        const state = w.state()
        const appId = String(state['warden_app.crm']?.['id'])
        expect(appId).toMatch(/^app_[a-z0-9]{26}$/)
        const app = await server.api<ApiApp>('GET', `/apps/${appId}`)
        expect(app).toMatchObject({ name: 'CRM', description: 'Customer records', owner_user_ids: [server.admin.user.id] })

        const integration = await server.api<IntegrationView>('GET', `/integrations/${String(state['warden_integration_onelogin.crm']?.['id'])}`)
        expect(integration.app_id).toBe(appId)
        expect(integration.status).toBe('not_connected')
        expect([...integration.user_ids].sort()).toEqual([server.admin.user.id, server.owner.user.id].sort())
        expect(state['warden_integration_onelogin.crm']?.['status']).toBe('not_connected')
        expect(state['warden_integration_onelogin.crm']?.['deleted_at']).toBeNull()

        const policy = await server.api<ApiPolicy>('GET', `/policies/${String(state['warden_policy.two_step']?.['id'])}`)
        expect(policy).toMatchObject({ name: 'Manager, then app owners', kind: 'grant' })
        expect(policy.steps).toHaveLength(2)
        expect(policy.steps[1]?.require_reason).toBe(true)

        const rule = await server.api<ApiSodRule>('GET', `/sod-rules/${String(state['warden_sod_rule.finance']?.['id'])}`)
        expect(rule).toMatchObject({ name: 'Payments vs. approvals', action: 'block', enabled: true })
        expect(rule.set_a.map((r) => r.entitlement_id)).toEqual([roles[0]!.id])
        expect(rule.set_b.map((r) => r.entitlement_id).sort()).toEqual([roles[1]!.id, roles[2]!.id].sort())

        const e = await server.api<ApiEntitlement>('GET', `/integrations/${base.id}/entitlements/${roles[0]!.id}`)
        expect(e).toMatchObject({ requestable: true, max_duration_minutes: 480, risk_level: 'high', description: 'Pays suppliers' })
        expect(e.owners.map((o) => o.id)).toEqual([server.admin.user.id])
        expect(state['warden_app_entitlement.role']).toMatchObject({ id: `${base.app_id}/${roles[0]!.id}`, integration_id: base.id, name: roles[0]!.display_name })
        const settings = await server.api<{ overrides: { grant_policy_id: string | null } }>('GET', `/integrations/${base.id}/entitlements/${roles[0]!.id}/request-settings`)
        expect(settings.overrides.grant_policy_id).toBe(policy.id)
      })

      it('plans no changes right after the apply (-detailed-exitcode 0)', async () => {
        const run = await w.tf(['plan', '-input=false', '-detailed-exitcode'])
        expect(run.code, shown(run)).toBe(0)
        expect(run.stdout).toContain('No changes.')
      })

      it('updates in place', async () => {
        w.write('main.tf', config({ ...first, appDescription: 'Customer records (EU and US)', policyName: 'Manager first', sodAction: 'extra_approval', risk: 'critical' }))
        // apply prints the plan it carries out: one run is both.
        const run = expectOk(await w.tf(['apply', '-input=false', '-auto-approve']))
        expect(run.stdout).toContain('Plan: 0 to add, 4 to change, 0 to destroy.')
        for (const address of ['warden_app.crm', 'warden_policy.two_step', 'warden_sod_rule.finance', 'warden_app_entitlement.role']) {
          expect(run.stdout).toContain(`# ${address} will be updated in-place`)
        }
        expect(run.stdout).not.toContain('must be replaced')
        expect(run.stdout).toContain('Apply complete! Resources: 0 added, 4 changed, 0 destroyed.')
        const state = w.state()
        expect(await server.api<ApiApp>('GET', `/apps/${String(state['warden_app.crm']?.['id'])}`)).toMatchObject({ description: 'Customer records (EU and US)' })
        expect(await server.api<ApiPolicy>('GET', `/policies/${String(state['warden_policy.two_step']?.['id'])}`)).toMatchObject({ name: 'Manager first' })
        expect(await server.api<ApiSodRule>('GET', `/sod-rules/${String(state['warden_sod_rule.finance']?.['id'])}`)).toMatchObject({
          action: 'extra_approval',
          approver_user_ids: [server.admin.user.id],
        })
        expect(await server.api<ApiEntitlement>('GET', `/integrations/${base.id}/entitlements/${roles[0]!.id}`)).toMatchObject({ risk_level: 'critical' })
        expect((await w.tf(['plan', '-input=false', '-detailed-exitcode'])).code).toBe(0)
      })

      it('replaces the integration when its app_id changes', async () => {
        const before = w.state()
        const oldId = String(before['warden_integration_onelogin.crm']?.['id'])
        const knobs: Knobs = { ...first, appDescription: 'Customer records (EU and US)', policyName: 'Manager first', sodAction: 'extra_approval', risk: 'critical', integrationApp: 'crm2' }
        w.write('main.tf', config(knobs))
        const plan = expectOk(await w.tf(['apply', '-input=false', '-auto-approve']))
        expect(plan.stdout).toContain('# warden_integration_onelogin.crm must be replaced')
        expect(plan.stdout).toMatch(/~ app_id\s+= "app_[a-z0-9]+" -> "app_[a-z0-9]+" # forces replacement/)
        expect(plan.stdout).toContain('Plan: 1 to add, 0 to change, 1 to destroy.')
        const after = w.state()
        const newId = String(after['warden_integration_onelogin.crm']?.['id'])
        expect(newId).not.toBe(oldId)
        expect(await server.status('GET', `/integrations/${oldId}`)).toBe(404)
        expect((await server.api<IntegrationView>('GET', `/integrations/${newId}`)).app_id).toBe(after['warden_app.crm2']?.['id'])
        expect((await w.tf(['plan', '-input=false', '-detailed-exitcode'])).code).toBe(0)
      })

      it('shows drift made through the REST API, and puts it back', async () => {
        const appId = String(w.state()['warden_app.crm']?.['id'])
        await server.api('PATCH', `/apps/${appId}`, { name: 'CRM (renamed in the UI)' })
        const plan = await w.tf(['plan', '-input=false', '-detailed-exitcode'])
        expect(plan.code, shown(plan)).toBe(2)
        expect(plan.stdout).toContain('# warden_app.crm will be updated in-place')
        expect(plan.stdout).toContain('~ name           = "CRM (renamed in the UI)" -> "CRM"')
        expect(plan.stdout).toContain('Plan: 0 to add, 1 to change, 0 to destroy.')
        expectOk(await w.tf(['apply', '-input=false', '-auto-approve']))
        expect((await server.api<ApiApp>('GET', `/apps/${appId}`)).name).toBe('CRM')
      })

      it('destroys everything, and resets the adopted entitlement to its defaults', async () => {
        const state = w.state()
        const run = expectOk(await w.tf(['destroy', '-input=false', '-auto-approve']))
        expect(run.stdout).toContain('Destroy complete! Resources: 6 destroyed.')
        expect(await server.status('GET', `/apps/${String(state['warden_app.crm']?.['id'])}`)).toBe(404)
        expect(await server.status('GET', `/apps/${String(state['warden_app.crm2']?.['id'])}`)).toBe(404)
        expect(await server.status('GET', `/integrations/${String(state['warden_integration_onelogin.crm']?.['id'])}`)).toBe(404)
        expect(await server.status('GET', `/policies/${String(state['warden_policy.two_step']?.['id'])}`)).toBe(404)
        expect(await server.status('GET', `/sod-rules/${String(state['warden_sod_rule.finance']?.['id'])}`)).toBe(404)
        const e = await server.api<ApiEntitlement>('GET', `/integrations/${base.id}/entitlements/${roles[0]!.id}`)
        expect(e).toMatchObject({ requestable: false, max_duration_minutes: null, risk_level: null })
        expect(e.owners).toEqual([])
        expect(w.state()).toEqual({})
      })
    }

  })

  // Last: the export reads the whole server, and the final test searches every run's output.
  describe('the whole installation', () => {
    it('warden terraform export writes files that plan as imports only, with no changes', async () => {
      // Something to export besides the base integration: an app with an owner, a policy, an SoD rule.
      const app = await server.api<ApiApp>('POST', '/apps', { name: 'Exported app', description: 'From the API' })
      await server.api('PATCH', `/apps/${app.id}`, { owner_user_ids: [server.admin.user.id] })
      await server.api<ApiPolicy>('POST', '/policies', { name: 'Exported policy', kind: 'grant', steps: [{ approvers: [{ type: 'manager' }], fallback: [{ type: 'app_owners' }] }] })
      await server.api<ApiSodRule>('POST', '/sod-rules', {
        name: 'Exported rule',
        description: 'Both sides',
        set_a: [{ integration_id: base.id, entitlement_id: roles[2]!.id }],
        set_b: [{ integration_id: base.id, entitlement_id: roles[3]!.id }],
        action: 'extra_approval',
        approver_user_ids: [server.admin.user.id],
        enabled: true,
      })
      await server.api('PATCH', `/integrations/${base.id}/entitlements/${roles[2]!.id}`, { requestable: true, max_duration_minutes: 60 })
      // One whose only setting is its owners: exported too.
      await server.api('PATCH', `/integrations/${base.id}/entitlements/${roles[3]!.id}`, { owner_user_ids: [server.admin.user.id] })

      const w = workspace('export')
      const exported = await runWarden(['terraform', 'export', '--out', w.dir, '--server', server.url, '--token', server.admin.token])
      expect(exported.code, exported.stderr).toBe(0)
      const files = readdirSync(w.dir).filter((f) => f.endsWith('.tf'))
      expect(files.length).toBeGreaterThan(0)
      const text = files.map((f) => readFileSync(join(w.dir, f), 'utf8')).join('\n')
      expect(text).toContain(app.id)
      expect(text).toContain(`${base.app_id}/${roles[3]!.id}`)
      expect(text).toContain('import {')
      expect(text).not.toContain(server.emulator.manageAll.client_secret)
      for (const f of files) expect(exported.stdout).toContain(join(w.dir, f))

      await w.init()
      const plan = await w.tf(['plan', '-input=false'])
      expect(plan.code, shown(plan)).toBe(0)
      expect(plan.stdout).toMatch(/Plan: \d+ to import, 0 to add, 0 to change, 0 to destroy\./)
      expect(plan.stdout).not.toMatch(/will be updated in-place|must be replaced|will be created|will be destroyed/)
      // Applying the imports leaves nothing to do.
      expectOk(await w.tf(['apply', '-input=false', '-auto-approve']))
      const again = await w.tf(['plan', '-input=false', '-detailed-exitcode'])
      expect(again.code, shown(again)).toBe(0)

      // A second export into the same folder refuses to overwrite, and changes nothing.
      const before = readFileSync(join(w.dir, files[0]!), 'utf8')
      const refused = await runWarden(['terraform', 'export', '--out', w.dir, '--server', server.url, '--token', server.admin.token])
      expect(refused.code).toBe(2)
      expect(refused.stderr.trim().split('\n')).toHaveLength(1)
      expect(refused.stderr).toContain('--force')
      expect(readFileSync(join(w.dir, files[0]!), 'utf8')).toBe(before)
    })

    it('keeps the write-only secret (..._secret_wo) out of plan and state; a new ..._wo_version sends it again', async () => {
      const secret = server.emulator.manageAll.client_secret
      const w = workspace('write-only', { TF_VAR_client_secret: secret })
      const settings = server.oneLoginSettings()
      const main = (version: number): string => `${PROVIDER_BLOCK}
variable "client_secret" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "warden_app" "wo" {
  name = "Write-only (Terraform)"
}

resource "warden_integration_onelogin" "wo" {
  app_id                                           = warden_app.wo.id
  onelogin_domain                                  = ${hcl(settings.onelogin_domain)}
  oauth_client_cred_grant_client_id                = ${hcl(settings.oauth_client_cred_grant_client_id)}
  oauth_client_cred_grant_client_secret_wo         = var.client_secret
  oauth_client_cred_grant_client_secret_wo_version = ${version}
}
`
      w.write('main.tf', main(1))
      await w.init()
      expectOk(await w.tf(['apply', '-input=false', '-auto-approve']))
      const id = String(w.state()['warden_integration_onelogin.wo']?.['id'])
      expect(w.state()['warden_integration_onelogin.wo']).toMatchObject({ oauth_client_cred_grant_client_secret_wo: null, oauth_client_cred_grant_client_secret_wo_version: 1 })
      await server.waitForStatus(id, 'connected')
      expect(w.stateText()).not.toContain(secret)
      const again = await w.tf(['plan', '-input=false', '-detailed-exitcode'])
      expect(again.code, shown(again)).toBe(0)

      // Rotation: a new version sends the secret again (a settings save: Warden checks it and syncs).
      w.write('main.tf', main(2))
      const rotated = expectOk(await w.tf(['apply', '-input=false', '-auto-approve']))
      expect(rotated.stdout).toMatch(/~ oauth_client_cred_grant_client_secret_wo_version\s+= 1 -> 2/)
      expect(rotated.stdout).toContain('Apply complete! Resources: 0 added, 1 changed, 0 destroyed.')
      await server.waitForStatus(id, 'connected')
      expect(w.stateText()).not.toContain(secret)
      expect(readFileSync(join(w.dir, 'terraform.tfstate.backup'), 'utf8')).not.toContain(secret)
    })

    it('creates a connected integration with the emulator credentials; the secret shows only in terraform.tfstate', async () => {
      const secret = server.emulator.manageAll.client_secret
      // As a user would pass it: a variable set from the environment (not marked sensitive here, so only the schema hides it).
      const w = workspace('connected', { TF_VAR_client_secret: secret })
      const settings = server.oneLoginSettings()
      const main = `${PROVIDER_BLOCK}
variable "client_secret" {
  type = string
}

resource "warden_app" "directory" {
  name = "Directory (Terraform)"
}

resource "warden_integration_onelogin" "directory" {
  app_id                                = warden_app.directory.id
  onelogin_domain                       = ${hcl(settings.onelogin_domain)}
  oauth_client_cred_grant_client_id     = ${hcl(settings.oauth_client_cred_grant_client_id)}
  oauth_client_cred_grant_client_secret = var.client_secret
}
`
      w.write('main.tf', main)
      await w.init()
      const plan = expectOk(await w.tf(['plan', '-input=false']))
      expect(plan.stdout).toMatch(/\+ oauth_client_cred_grant_client_secret\s+= \(sensitive value\)/)
      expectOk(await w.tf(['apply', '-input=false', '-auto-approve']))
      const id = String(w.state()['warden_integration_onelogin.directory']?.['id'])
      const connected = await server.waitForStatus(id, 'connected')
      expect(connected.onelogin_domain).toBe(settings.onelogin_domain)

      // The state learns the new status on refresh; the secret is write-only in Warden, and never shows as a change.
      expectOk(await w.tf(['apply', '-input=false', '-refresh-only', '-auto-approve']))
      expect(w.state()['warden_integration_onelogin.directory']?.['status']).toBe('connected')
      const again = await w.tf(['plan', '-input=false', '-detailed-exitcode'])
      expect(again.code, shown(again)).toBe(0)

      // A refused secret is an error on that attribute, and changes nothing.
      const wrong = workspace('refused', { TF_VAR_client_secret: 'not-the-secret-at-all' })
      wrong.write('main.tf', main.replace('Directory (Terraform)', 'Refused (Terraform)'))
      await wrong.init()
      const refused = await wrong.tf(['apply', '-input=false', '-auto-approve'])
      expect(refused.code, shown(refused)).toBe(1)
      expect(refused.stderr).toMatch(/on main\.tf line \d+, in resource "warden_integration_onelogin" "directory":\s*\n\s*\d+:\s+oauth_client_cred_grant_client_(secret|id)\s+=/)
      expect(wrong.state()['warden_integration_onelogin.directory']).toBeUndefined()
      const refusedApp = String(wrong.state()['warden_app.directory']?.['id'])
      expect((await server.api<{ items: IntegrationView[] }>('GET', `/integrations?app_id=${refusedApp}`)).items).toEqual([])

      const destroyed = expectOk(await w.tf(['destroy', '-input=false', '-auto-approve']))
      expect(destroyed.stdout).toContain('Destroy complete! Resources: 2 destroyed.')
      expect(await server.status('GET', `/integrations/${id}`)).toBe(404)

      // Terraform keeps sensitive values in the state (documented); nowhere else.
      expect(w.stateText() + readFileSync(join(w.dir, 'terraform.tfstate.backup'), 'utf8')).toContain(secret)
      const everything = workspaces.flatMap((x) => x.outputs).join('\n')
      expect(everything).not.toContain(secret)
      const tfLog = readFileSync(logFile, 'utf8')
      expect(tfLog).toContain('provider.terraform-provider-warden') // the provider's own stderr lines are in it
      expect(tfLog).not.toContain(secret)
      expect(server.log()).toContain('/api/v1/integrations') // the server did log the calls that carried it
      expect(server.log()).not.toContain(secret)
      // Nor the API token: it goes from the environment to the Authorization header only.
      expect(tfLog).not.toContain(server.admin.token)
      expect(everything).not.toContain(server.admin.token)
    })
  })
})
