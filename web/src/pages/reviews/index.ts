import './reviews.css'
export { ReviewsPage } from './inbox.js'
export { DecisionBadges, SuggestionBadge, Via, sourceNames } from './shared.js'
export type * from './types.js'
