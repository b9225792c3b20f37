import { Command } from 'commander'
import type { RunningEmulator } from '../emulator/index.js'
import { registerDiff } from './commands/diff.js'
import { registerEmulator } from './commands/emulator.js'
import { registerSync } from './commands/sync.js'
import { registerInventory } from './commands/inventory.js'
import { registerProvision } from './commands/provision.js'
import { registerServe } from './commands/serve.js'
import { registerUpload } from './commands/upload.js'
import { registerRequest } from './commands/request.js'
import { registerTasks } from './commands/tasks.js'
import { registerEvidence } from './commands/evidence.js'
import { registerReviews } from './commands/reviews.js'
import { registerCampaigns } from './commands/campaigns.js'
import { registerTerraform } from './commands/terraform.js'
import { reportError } from './errors.js'

/** Builds the `warden` program. Commands register themselves; each lives in commands/. */
export function buildProgram(running: { emulator?: RunningEmulator } = {}): Command {
  const program = new Command()
  program
    .name('warden')
    .description('Identity governance and just-in-time access for OneLogin')
    .version('0.1.0')
    .exitOverride()
  registerEmulator(program, running)
  registerSync(program)
  registerInventory(program)
  registerDiff(program)
  registerProvision(program)
  registerServe(program)
  registerUpload(program)
  registerRequest(program)
  registerTasks(program)
  registerEvidence(program)
  registerReviews(program)
  registerCampaigns(program)
  registerTerraform(program)
  return program
}

/** Runs the CLI; returns the process exit code (0 ok, 1 failed, 2 bad usage or input). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
    return 0
  } catch (e) {
    return reportError(e)
  }
}
