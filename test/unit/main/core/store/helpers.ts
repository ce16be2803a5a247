import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MessageStore, type StoredMessageInput } from '../../../../../src/main/core/store/MessageStore'

export const ACCOUNT = 'acc-1'
export const PEER = 'bob@example.org'
export const ME = 'me@example.org'
export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0)
export const MINUTE = 60_000
export const HOUR = 60 * MINUTE

let counter = 0

/** An incoming message from bob; override what the test is about. */
export function incoming(over: Partial<StoredMessageInput> = {}): StoredMessageInput {
  counter++
  return {
    account: ACCOUNT,
    peer: PEER,
    direction: 'in',
    from: `${PEER}/phone`,
    id: `in-${counter}`,
    originId: `in-${counter}`,
    body: `hello ${counter}`,
    at: T0 + counter * 1000,
    receivedAt: T0 + counter * 1000,
    state: 'received',
    ...over
  }
}

/** An outgoing message of ours, queued (as the composer stores it). */
export function outgoing(over: Partial<StoredMessageInput> = {}): StoredMessageInput {
  counter++
  return {
    account: ACCOUNT,
    peer: PEER,
    direction: 'out',
    from: `${ME}/desktop`,
    id: `out-${counter}`,
    originId: `out-${counter}`,
    body: `reply ${counter}`,
    at: T0 + counter * 1000,
    atIsLocal: true,
    receivedAt: T0 + counter * 1000,
    state: 'queued',
    ...over
  }
}

export const memoryStore = (): MessageStore => MessageStore.open(':memory:')

/** A temporary directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'parley-store-test-'))
  return { dir, path: join(dir, 'messages.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export const bodies = (list: { body: string }[]): string[] => list.map((m) => m.body)
