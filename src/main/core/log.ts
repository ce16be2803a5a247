/** The core logs through this port; main wires it to a file, tests to nothing or the console. */
export interface Logger {
  debug(msg: string, data?: Record<string, unknown>): void
  info(msg: string, data?: Record<string, unknown>): void
  warn(msg: string, data?: Record<string, unknown>): void
  error(msg: string, data?: Record<string, unknown>): void
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} }

export function prefixed(log: Logger, prefix: string): Logger {
  return {
    debug: (m, d) => log.debug(`${prefix} ${m}`, d),
    info: (m, d) => log.info(`${prefix} ${m}`, d),
    warn: (m, d) => log.warn(`${prefix} ${m}`, d),
    error: (m, d) => log.error(`${prefix} ${m}`, d)
  }
}
