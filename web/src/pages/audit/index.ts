export { AuditPage } from './audit.js'
