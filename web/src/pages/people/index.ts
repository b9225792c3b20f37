export { PeoplePage } from './list.js'
export { PersonPage } from './detail.js'
