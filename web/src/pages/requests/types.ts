// The access-request API's shapes, inferred from the server's schemas (types only).
export type {
  ApiAccessRequest as AccessRequest,
  ApiApprovalTask as ApprovalTask,
  ApiCatalogItem as CatalogItem,
  ApiSodConflict as Conflict,
  ApiTimeboundGrant as TimeboundGrant,
} from '../../api/index.js'
