// "Status for all accounts": the show changes everywhere, each account keeps its own status
// message, and a failure on one account is reported by name instead of being dropped.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Account } from '../../../../../src/main/core/account/Account'
import { AccountManager } from '../../../../../src/main/core/account/AccountManager'
import { CoreError } from '../../../../../src/main/core/errors'
import { silentLogger } from '../../../../../src/main/core/log'
import { memorySecrets, memorySettings } from '../../../../../src/main/core/ports'
import { AvatarCache } from '../../../../../src/main/core/xep/0084-avatars/cache'
import type { OwnPresence } from '../../../../../src/shared/model/presence'
import { asAccountId } from '../../../../../src/shared/model/ids'

const A = asAccountId('a')
const B = asAccountId('b')
const C = asAccountId('c')

async function manager(): Promise<AccountManager> {
  // No network: accounts are "wanted" but never dial.
  vi.spyOn(Account.prototype, 'start').mockImplementation(() => undefined)
  const m = new AccountManager({
    settings: memorySettings([
      { id: A, jid: 'ann@example.org', enabled: true },
      { id: B, jid: 'bob@example.net', enabled: true },
      { id: C, jid: 'cat@example.com', enabled: false }
    ]),
    secrets: memorySecrets(),
    emit: () => undefined,
    log: silentLogger,
    version: 'test',
    avatarCache: new AvatarCache({ dir: mkdtempSync(join(tmpdir(), 'parley-avatars-')) })
  })
  await m.start()
  await m.get(A).setPresence({ show: 'available', status: 'At lunch', priority: 5 })
  await m.get(B).setPresence({ show: 'dnd', status: '在开会', priority: 0 })
  return m
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('AccountManager.setPresenceAll', () => {
  it('changes the show on every enabled account and keeps each one its own status message and priority', async () => {
    const m = await manager()
    await m.setPresenceAll({ show: 'away' })
    expect(m.get(A).presence.ownPresence()).toEqual({ show: 'away', status: 'At lunch', priority: 5 })
    expect(m.get(B).presence.ownPresence()).toEqual({ show: 'away', status: '在开会', priority: 0 })
    // The disabled account is left alone.
    expect(m.get(C).presence.ownPresence().show).not.toBe('away')
  })

  it('a status message given for all replaces each one', async () => {
    const m = await manager()
    await m.setPresenceAll({ show: 'xa', status: 'Holidays' })
    expect(m.get(A).presence.ownPresence()).toEqual({ show: 'xa', status: 'Holidays', priority: 5 })
    expect(m.get(B).presence.ownPresence()).toEqual({ show: 'xa', status: 'Holidays', priority: 0 })
  })

  it('a failing account does not stop the others, and the error names it', async () => {
    const m = await manager()
    const real = Account.prototype.setPresence
    vi.spyOn(Account.prototype, 'setPresence').mockImplementation(async function (this: Account, p: OwnPresence) {
      if (this.bareJid === 'bob@example.net') throw new CoreError('not-connected', 'the stream is closed')
      return real.call(this, p)
    })
    const err = await m.setPresenceAll({ show: 'away' }).then(
      () => null,
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(CoreError)
    expect((err as CoreError).code).toBe('not-connected')
    expect((err as CoreError).detail).toBe('bob@example.net: the stream is closed')
    expect(m.get(A).presence.ownPresence().show).toBe('away')
  })
})
