/**
 * tfplugin6.Provider: each RPC decoded, handed to the provider's handlers, and the result
 * encoded. A handler (or a decode) that throws is answered with one error diagnostic; where
 * Terraform records the response's state even on error (ReadResource, ApplyResourceChange),
 * the state it sent is returned unchanged, so a failed update or delete keeps the object in
 * state for a retry instead of forgetting it.
 */
import type * as grpc from '@grpc/grpc-js'
import { WardenError, isWardenError } from '../../errors/index.js'
import { log } from './log.js'
import type { ProviderHandlers } from './types.js'
import { errorDiagnostic, fromDynamicValue, toAttributePath, toDiagnostics, toDynamicValue, toSchemaResponse } from './wire.js'
import type { DiagnosticMessage, DynamicValueMessage } from './wire.js'

type DynamicValueField = DynamicValueMessage | null

interface TypeNameRequest {
  type_name: string
  config: DynamicValueField
}

interface UpgradeRequest {
  type_name: string
  version: number
  raw_state: { json: Uint8Array } | null
}

interface ReadRequest {
  type_name: string
  current_state: DynamicValueField
  private: Uint8Array
}

interface PlanRequest {
  type_name: string
  prior_state: DynamicValueField
  proposed_new_state: DynamicValueField
  config: DynamicValueField
  prior_private: Uint8Array
}

interface ApplyRequest {
  type_name: string
  prior_state: DynamicValueField
  planned_state: DynamicValueField
  config: DynamicValueField
  planned_private: Uint8Array
}

/**
 * One unary RPC: `run` answers it; `onError` builds the answer when `run` throws. Only the RPC
 * name, the type name, the time and the error's code are logged, never values.
 */
function unary<Req extends object>(
  rpc: string,
  run: (req: Req) => Promise<object>,
  onError: (req: Req, diagnostic: DiagnosticMessage) => object = (_req, diagnostic) => ({ diagnostics: [diagnostic] }),
): grpc.handleUnaryCall<Req, object> {
  return (call, callback) => {
    const started = performance.now()
    const req = call.request
    const what = 'type_name' in req && typeof req.type_name === 'string' && req.type_name ? `${rpc} ${req.type_name}` : rpc
    run(req).then(
      (response) => {
        log('TRACE', `${what}: ${(performance.now() - started).toFixed(1)} ms`)
        callback(null, response)
      },
      (e: unknown) => {
        log('ERROR', `${what} failed: ${isWardenError(e) ? e.code : e instanceof Error ? e.name : typeof e}`)
        callback(null, onError(req, errorDiagnostic(e)))
      },
    )
  }
}

/**
 * The Provider service: its definition (GetProviderSchema's serializer also passes through the
 * cached, already encoded response) and its implementation.
 */
export function providerService(
  definition: grpc.ServiceDefinition,
  handlers: ProviderHandlers,
): { definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation } {
  const schemaMethod = definition.GetProviderSchema
  if (!schemaMethod) throw new WardenError('INTERNAL', 'tfplugin6.Provider has no GetProviderSchema')
  const serializeSchema = schemaMethod.responseSerialize
  // The schema is the same for the life of the process; encode it once.
  let encodedSchema: Buffer | undefined

  const implementation: grpc.UntypedServiceImplementation = {
    GetProviderSchema: unary('GetProviderSchema', async () => {
      encodedSchema ??= serializeSchema(toSchemaResponse(handlers.schemas()))
      return encodedSchema
    }),

    ValidateProviderConfig: unary('ValidateProviderConfig', async (req: { config: DynamicValueField }) => ({
      diagnostics: toDiagnostics(await handlers.validateProviderConfig(fromDynamicValue(req.config))),
    })),

    ValidateResourceConfig: unary('ValidateResourceConfig', async (req: TypeNameRequest) => ({
      diagnostics: toDiagnostics(await handlers.validateResourceConfig(req.type_name, fromDynamicValue(req.config))),
    })),

    ValidateDataResourceConfig: unary('ValidateDataResourceConfig', async (req: TypeNameRequest) => ({
      diagnostics: toDiagnostics(await handlers.validateDataResourceConfig(req.type_name, fromDynamicValue(req.config))),
    })),

    UpgradeResourceState: unary('UpgradeResourceState', async (req: UpgradeRequest) => {
      const r = await handlers.upgradeResourceState(req.type_name, req.version, fromDynamicValue(req.raw_state))
      return { upgraded_state: toDynamicValue(r.state), diagnostics: toDiagnostics(r.diagnostics) }
    }),

    ConfigureProvider: unary('ConfigureProvider', async (req: { terraform_version: string; config: DynamicValueField }) => ({
      diagnostics: toDiagnostics(await handlers.configureProvider(fromDynamicValue(req.config), req.terraform_version)),
    })),

    ReadResource: unary(
      'ReadResource',
      async (req: ReadRequest) => {
        const r = await handlers.readResource(req.type_name, fromDynamicValue(req.current_state), req.private)
        return { new_state: toDynamicValue(r.state), diagnostics: toDiagnostics(r.diagnostics), private: r.private ?? req.private }
      },
      (req, diagnostic) => ({ new_state: req.current_state, private: req.private, diagnostics: [diagnostic] }),
    ),

    PlanResourceChange: unary('PlanResourceChange', async (req: PlanRequest) => {
      const r = await handlers.planResourceChange(
        req.type_name,
        fromDynamicValue(req.prior_state),
        fromDynamicValue(req.proposed_new_state),
        fromDynamicValue(req.config),
        req.prior_private,
      )
      return {
        planned_state: toDynamicValue(r.planned),
        requires_replace: r.requiresReplace.map(toAttributePath),
        planned_private: r.plannedPrivate ?? req.prior_private,
        diagnostics: toDiagnostics(r.diagnostics),
      }
    }),

    ApplyResourceChange: unary(
      'ApplyResourceChange',
      async (req: ApplyRequest) => {
        const r = await handlers.applyResourceChange(
          req.type_name,
          fromDynamicValue(req.prior_state),
          fromDynamicValue(req.planned_state),
          fromDynamicValue(req.config),
          req.planned_private,
        )
        return { new_state: toDynamicValue(r.state), private: r.private ?? req.planned_private, diagnostics: toDiagnostics(r.diagnostics) }
      },
      (req, diagnostic) => ({ new_state: req.prior_state, private: req.planned_private, diagnostics: [diagnostic] }),
    ),

    ImportResourceState: unary('ImportResourceState', async (req: { type_name: string; id: string }) => {
      const r = await handlers.importResourceState(req.type_name, req.id)
      return {
        imported_resources: r.imported.map((i) => ({ type_name: i.typeName, state: toDynamicValue(i.state), private: i.private ?? new Uint8Array() })),
        diagnostics: toDiagnostics(r.diagnostics),
      }
    }),

    ReadDataSource: unary('ReadDataSource', async (req: TypeNameRequest) => {
      const r = await handlers.readDataSource(req.type_name, fromDynamicValue(req.config))
      return { state: toDynamicValue(r.state), diagnostics: toDiagnostics(r.diagnostics) }
    }),

    StopProvider: unary(
      'StopProvider',
      async () => {
        await handlers.stop()
        return { Error: '' }
      },
      (_req, diagnostic) => ({ Error: diagnostic.summary }),
    ),
  }

  return {
    definition: {
      ...definition,
      GetProviderSchema: { ...schemaMethod, responseSerialize: (value: object) => (Buffer.isBuffer(value) ? value : serializeSchema(value)) },
    },
    implementation,
  }
}
