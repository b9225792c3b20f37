import './integrations.css'
export { IntegrationsPage } from './list.js'
export { AddIntegrationPage } from './add.js'
export { IntegrationPage } from './detail.js'
