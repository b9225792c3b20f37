// The access-review API's shapes, inferred from the server's schemas (types only, erased at build).
export type {
  ApiCampaign as Campaign,
  ApiCampaignPreview as CampaignPreview,
  ApiCampaignProgress as CampaignProgress,
  ApiCampaignTemplate as CampaignTemplate,
  ApiDecisionPlan as DecisionPlan,
  ApiEvidenceCheck as EvidenceCheck,
  ApiReviewComment as ReviewComment,
  ApiReviewItem as ReviewItem,
  ApiReviewItemDetail as ReviewItemDetail,
  ApiReviewSummary as ReviewSummary,
} from '../../../../src/server/api-types.js'
