export { TokensPage } from './tokens.js'
