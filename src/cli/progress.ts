import { SingleBar } from 'cli-progress'

/**
 * Progress on stderr: a bar per phase when stderr is a terminal, nothing otherwise (log lines
 * still go to stderr, so piped runs keep a readable record).
 */
export class Progress {
  readonly #tty: boolean
  #bar: SingleBar | undefined
  #phase: string | undefined

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.#tty = stream.isTTY === true
  }

  update(phase: string, done: number, total: number | undefined): void {
    if (!this.#tty) return
    if (phase !== this.#phase) {
      this.#bar?.stop()
      this.#phase = phase
      this.#bar = new SingleBar({
        format: `${phase.padEnd(10)} [{bar}] {value}/{total} {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: false,
      })
      this.#bar.start(total ?? done, done)
    }
    if (total !== undefined) this.#bar?.setTotal(total)
    this.#bar?.update(done)
  }

  /** A line of text above the bar. */
  log(line: string): void {
    if (this.#bar !== undefined) {
      this.#bar.stop()
      this.#bar = undefined
      this.#phase = undefined
    }
    process.stderr.write(`${line}\n`)
  }

  stop(): void {
    this.#bar?.stop()
    this.#bar = undefined
  }
}
