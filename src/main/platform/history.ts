import { existsSync, renameSync } from 'node:fs'
import type { Logger } from '../core/log'
import { MessageStore } from '../core/store/MessageStore'

/**
 * Opens the profile's history database. A file that cannot be opened (corrupt, or written by a
 * newer Parley) is never overwritten: it is set aside beside the new one, so nothing in it is lost
 * and it can be recovered, and Parley starts with an empty history instead of not starting.
 */
export function openHistory(path: string, log: Logger): MessageStore {
  try {
    return MessageStore.open(path)
  } catch (err) {
    if (!existsSync(path)) throw err
    const aside = `${path}.unreadable-${new Date().toISOString().replaceAll(':', '-')}`
    log.error('history database could not be opened; set aside', { path, aside, err: String(err) })
    renameSync(path, aside)
    for (const suffix of ['-wal', '-shm']) if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix)
    return MessageStore.open(path)
  }
}
