export { AppsPage } from './list.js'
export { AppPage } from './detail.js'
