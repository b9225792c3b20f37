import './campaigns.css'
export { CampaignsPage } from './list.js'
export { NewCampaignPage } from './new.js'
export { CampaignPage } from './detail.js'
