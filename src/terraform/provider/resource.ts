import type { WardenApi } from '../../client/index.js'
import type { AttributePath, Diagnostic } from '../plugin/types.js'
import type { BlockSpec, State } from './spec.js'

/**
 * One resource type: its attributes and how each lifecycle step maps to Warden's REST API.
 * Every method returns a complete state (all attributes, as `complete()` makes them) or throws a
 * WardenError, which the provider turns into a diagnostic on the attribute concerned.
 */
export interface ResourceType {
  spec: BlockSpec
  /** Import ID format, for error messages: e.g. "the app id (app_...)". */
  importHelp: string
  /** API body fields whose error belongs to an attribute of another name or place. */
  fieldPaths?: Readonly<Record<string, AttributePath>>
  /** Checks beyond types that need no API call. */
  validate?(config: State): Diagnostic[]
  /** The object as it is now, or null when it is gone. */
  read(api: WardenApi, state: State): Promise<State | null>
  /** `config` carries the write-only values, which plan and state never hold. */
  create(api: WardenApi, planned: State, config: State): Promise<State>
  update(api: WardenApi, prior: State, planned: State, config: State): Promise<State>
  delete(api: WardenApi, prior: State): Promise<void>
  /** The state an import ID stands for, enough for read() to fill in the rest. */
  importState(id: string): State
  /** For `warden terraform export`: every object Terraform may manage, with its import ID. */
  list(api: WardenApi): Promise<Array<{ label: string; importId: string; state: State }>>
}

export interface DataSourceType {
  spec: BlockSpec
  fieldPaths?: Readonly<Record<string, AttributePath>>
  validate?(config: State): Diagnostic[]
  read(api: WardenApi, config: State): Promise<State>
}
