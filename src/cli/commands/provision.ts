import type { Command } from 'commander'
import type * as Connector from '../../connector/index.js'
import type { AccountResult, ProvisionContext, ProvisionResult, WriteCall } from '../../connector/index.js'
import { WardenError } from '../../errors/index.js'
import { addOneLoginOptions, clientFromFlags } from '../onelogin-options.js'
import type { OneLoginFlags } from '../onelogin-options.js'
import { intOption } from '../parse.js'

interface WriteFlags extends OneLoginFlags {
  dryRun?: boolean
  applyMappings?: boolean
  json?: boolean
}

interface ChangeFlags extends WriteFlags {
  entitlement: string
  principal: string
  viaRole?: number
}

interface CreateFlags extends WriteFlags {
  email?: string
  username?: string
  firstName?: string
  lastName?: string
  role: number[]
  group?: number
}

interface UserFlags extends WriteFlags {
  user: string
}

/** Options every writing command shares. */
function writeOptions(cmd: Command): Command {
  return addOneLoginOptions(
    cmd
      .option('--dry-run', 'print the OneLogin write calls it would make, and change nothing')
      .option('--apply-mappings', 'afterwards, have OneLogin re-run its user mappings for the user')
      .option('--json', 'print the result as one JSON object'),
  )
}

async function context(flags: WriteFlags, appRoles?: Record<string, number>): Promise<{ ctx: ProvisionContext; lib: typeof Connector }> {
  const lib = await import('../../connector/index.js')
  const ctx: ProvisionContext = {
    client: clientFromFlags(flags),
    dryRun: flags.dryRun === true,
    applyMappings: flags.applyMappings === true,
    ...(appRoles === undefined ? {} : { appRoles }),
  }
  return { ctx, lib }
}

export function registerProvision(program: Command): void {
  for (const action of ['grant', 'revoke'] as const) {
    const cmd = program
      .command(action)
      .description(action === 'grant' ? 'grant an entitlement in OneLogin (idempotent, verified)' : 'revoke an entitlement in OneLogin (idempotent, verified)')
      .requiredOption('--entitlement <id>', 'role:<id>:member, role:<id>:admin, group:<id>:member, app:<id>:access or privilege:<uuid>:assigned')
      .requiredOption('--principal <id>', 'user:<id> (or role:<id> for a privilege)')
      .option('--via-role <role id>', 'for app access: the role that carries the app and provisions it', intOption('--via-role', 1, Number.MAX_SAFE_INTEGER))
    writeOptions(cmd).action(async (flags: ChangeFlags) => {
      const appRoles = flags.viaRole === undefined ? undefined : appRolesFor(flags.entitlement, flags.viaRole)
      const { ctx, lib } = await context(flags, appRoles)
      const result = await (action === 'grant' ? lib.grant : lib.revoke)(ctx, flags.entitlement, flags.principal)
      report(result, flags.json === true)
    })
  }

  const account = program.command('account').description('create, suspend, unsuspend or delete OneLogin accounts')
  writeOptions(
    account
      .command('create')
      .description('create a OneLogin user (no password: OneLogin sets status 7, password pending)')
      .option('--email <email>', 'email address')
      .option('--username <name>', 'username')
      .option('--first-name <name>', 'first name')
      .option('--last-name <name>', 'last name')
      .option('--role <role id>', 'add the user to this role (repeatable)', (v: string, all: number[]) => [...all, intOption('--role', 1, Number.MAX_SAFE_INTEGER)(v)], [])
      .option('--group <group id>', 'put the user in this group', intOption('--group', 1, Number.MAX_SAFE_INTEGER)),
  ).action(async (flags: CreateFlags) => {
    const { ctx, lib } = await context(flags)
    const result = await lib.createAccount(ctx, {
      ...(flags.email === undefined ? {} : { email: flags.email }),
      ...(flags.username === undefined ? {} : { username: flags.username }),
      ...(flags.firstName === undefined ? {} : { firstname: flags.firstName }),
      ...(flags.lastName === undefined ? {} : { lastname: flags.lastName }),
      roles: flags.role,
      ...(flags.group === undefined ? {} : { group_id: flags.group }),
    })
    report(result, flags.json === true)
  })
  for (const action of ['suspend', 'unsuspend', 'delete'] as const) {
    writeOptions(
      account
        .command(action)
        .description(action === 'delete' ? 'delete a OneLogin user (permanent)' : `${action} a OneLogin user (status ${action === 'suspend' ? 2 : 1})`)
        .requiredOption('--user <id>', 'user:<id> or the OneLogin user id'),
    ).action(async (flags: UserFlags) => {
      const { ctx, lib } = await context(flags)
      const fn = action === 'suspend' ? lib.suspendAccount : action === 'unsuspend' ? lib.unsuspendAccount : lib.deleteAccount
      report(await fn(ctx, flags.user), flags.json === true)
    })
  }
}

function appRolesFor(entitlement: string, roleId: number): Record<string, number> {
  const m = /^app:(\d+):access$/.exec(entitlement)
  if (m?.[1] === undefined) throw new WardenError('BAD_INPUT', '--via-role applies only to app:<id>:access entitlements')
  return { [m[1]]: roleId }
}

/** Prints the result; a write OneLogin accepted but did not apply is a failure (exit 1). */
function report(result: ProvisionResult | AccountResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(result)}\n`)
  } else {
    const lines = [result.message, ...result.writes.map((w) => `  ${formatCall(w)}`)]
    process.stdout.write(`${lines.join('\n')}\n`)
  }
  if (result.outcome === 'not_applied') throw new WardenError('ONELOGIN_REJECTED', result.message)
}

function formatCall(w: WriteCall): string {
  return `${w.method} ${w.path}${w.body === undefined ? '' : ` ${JSON.stringify(w.body)}`}`
}
