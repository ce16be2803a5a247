import { CoreError } from '../errors'

/**
 * Why a storage operation failed, in `CoreError.condition` (the code stays 'internal' until the
 * shared ErrorCode list gets a storage code): the app shows a "disk full" banner and retries later
 * for `storage-full`, and asks the user to act for the others.
 */
export type StorageCondition =
  | 'storage-full' // SQLITE_FULL: the disk (or the database's page limit) is full
  | 'storage-read-only' // SQLITE_READONLY / SQLITE_CANTOPEN: no write permission
  | 'storage-busy' // SQLITE_BUSY / SQLITE_LOCKED: another process holds the database past busy_timeout
  | 'storage-corrupt' // SQLITE_CORRUPT / SQLITE_NOTADB: not a usable database file
  | 'storage-io' // SQLITE_IOERR / SQLITE_NOMEM
  | 'storage-newer-schema' // written by a newer Parley; refused so that it is not damaged
  | 'storage-closed' // used after close()
  | 'storage-error' // anything else (a bug: constraint, SQL)

// Primary result codes (https://sqlite.org/rescode.html); node:sqlite reports extended codes.
const CONDITIONS: Record<number, StorageCondition> = {
  5: 'storage-busy',
  6: 'storage-busy',
  7: 'storage-io',
  8: 'storage-read-only',
  10: 'storage-io',
  11: 'storage-corrupt',
  13: 'storage-full',
  14: 'storage-read-only',
  26: 'storage-corrupt'
}

const WORDS: Record<StorageCondition, string> = {
  'storage-full': 'the disk is full',
  'storage-read-only': 'the database cannot be written',
  'storage-busy': 'the database is locked by another process',
  'storage-corrupt': 'the database file is damaged or not a database',
  'storage-io': 'a disk read or write failed',
  'storage-newer-schema': 'the database was written by a newer version of Parley',
  'storage-closed': 'the message store is closed',
  'storage-error': 'a database operation failed'
}

export const storageError = (condition: StorageCondition, detail: string, cause?: unknown): CoreError =>
  new CoreError('internal', `Message store: ${WORDS[condition]} (${detail})`, { condition, cause })

/** Turns whatever node:sqlite threw during `action` into a CoreError that says what happened. */
export function toStorageError(err: unknown, action: string): CoreError {
  if (err instanceof CoreError) return err
  const errcode = (err as { errcode?: unknown } | null)?.errcode
  const condition = typeof errcode === 'number' ? (CONDITIONS[errcode & 0xff] ?? 'storage-error') : 'storage-error'
  const message = err instanceof Error ? err.message : String(err)
  return storageError(condition, `${action}: ${message}`, err)
}

export const isStorageFull = (err: unknown): boolean => err instanceof CoreError && err.condition === 'storage-full'
