export { main, buildProgram } from './main.js'
export { reportError } from './errors.js'
