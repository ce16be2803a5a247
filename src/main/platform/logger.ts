import { appendFile, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Logger } from '../core/log'

/** Appends JSON lines to a log file; passwords never reach the logger (the core logs none). */
export function createFileLogger(path: string): Logger {
  mkdirSync(dirname(path), { recursive: true })
  const write = (level: string, msg: string, data?: Record<string, unknown>): void => {
    const line = JSON.stringify({ t: new Date().toISOString(), level, msg, ...(data ? { data } : {}) })
    appendFile(path, line + '\n', { mode: 0o600 }, () => undefined)
  }
  return {
    debug: () => undefined,
    info: (m, d) => write('info', m, d),
    warn: (m, d) => write('warn', m, d),
    error: (m, d) => write('error', m, d)
  }
}
