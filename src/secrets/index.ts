export { SecretBox, loadSecretBox } from './secret-box.js'
