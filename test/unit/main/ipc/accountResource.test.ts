// An account's resource through the IPC path (argument schema → API → account manager → saved
// settings): shown in the account view, changed, prepared as RFC 7622 says, and reset to a
// generated one; a resource the server could not take is refused before anything is saved.
import { afterEach, describe, expect, it } from 'vitest'
import { createApi, type ApiService } from '../../../../src/main/core/api/createApi'
import { createCore, type Core } from '../../../../src/main/core/createCore'
import { memorySecrets, memorySettings } from '../../../../src/main/core/ports'
import { dispatch } from '../../../../src/main/ipc/dispatch'
import type { AccountView, UiSettings } from '../../../../src/shared/ipc/contract'
import type { AccountConfig } from '../../../../src/shared/model/account'
import { asAccountId } from '../../../../src/shared/model/ids'

const ID = asAccountId('4c0e1a52-7d38-4a8e-9b55-2f0e5b8a1c01')
const JID = 'romeo@montague.net'

let open: { core: Core; service: ApiService }[] = []
afterEach(async () => {
  for (const { core, service } of open) {
    service.dispose()
    await core.accounts.stopAll()
  }
  open = []
})

async function setup(saved: Partial<AccountConfig> = {}) {
  const settings = memorySettings([{ id: ID, jid: JID, enabled: false, ...saved }])
  const core = createCore({ settings, secrets: memorySecrets(), version: 'test' })
  await core.accounts.start()
  let ui: UiSettings = { language: 'en', theme: 'system', sendTyping: true }
  const service = createApi(core, {
    app: { info: () => ({ name: 'Parley', version: 'test', platform: 'linux', systemLocales: ['en'], harness: false }), openExternal: async () => undefined, openChatWindow: async () => undefined },
    ui: { get: () => ui, set: (next) => (ui = next) }
  })
  open.push({ core, service })
  const call = (method: string, ...args: unknown[]) => dispatch(service.api, 'accounts', method, args)
  const view = async (): Promise<AccountView> => {
    const listed = await call('list')
    if (!listed.ok) throw new Error(listed.error.detail)
    return (listed.value as AccountView[])[0] as AccountView
  }
  const stored = async (): Promise<AccountConfig | undefined> => (await settings.loadAccounts())[0]
  return { call, view, stored }
}

describe('the account resource', () => {
  it('is in the account view: null when generated, else the saved one', async () => {
    expect((await (await setup()).view()).resource).toBeNull()
    expect((await (await setup({ resource: 'desk' })).view()).resource).toBe('desk')
  })

  it('is changed by accounts.update, prepared (non-ASCII spaces become spaces, NFC), saved, and reset by "" or null', async () => {
    const { call, view, stored } = await setup()
    expect(await call('update', ID, { resource: 'Laptop\u3000Cafe\u0301' })).toEqual({ ok: true, value: null })
    expect((await view()).resource).toBe('Laptop Café')
    expect((await stored())?.resource).toBe('Laptop Café')
    // Changing the resource leaves the server override alone.
    expect((await view()).server).toBeNull()

    expect(await call('update', ID, { resource: '' })).toEqual({ ok: true, value: null })
    expect((await view()).resource).toBeNull()
    expect(await stored()).not.toHaveProperty('resource')

    await call('update', ID, { resource: 'phone' })
    expect((await view()).resource).toBe('phone')
    expect(await call('update', ID, { resource: null })).toEqual({ ok: true, value: null })
    expect((await view()).resource).toBeNull()
  })

  it('refuses a resource with control, invisible or line-separator characters, or over 1023 bytes; nothing is saved', async () => {
    const { call, view, stored } = await setup({ resource: 'desk' })
    for (const bad of ['a\u0000b', 'a\u202Eb', 'zero\u200Bwidth', 'two\u2028lines', 'x'.repeat(1024), '界'.repeat(342), 42]) {
      expect(await call('update', ID, { resource: bad }), JSON.stringify(bad).slice(0, 40)).toMatchObject({ ok: false, error: { code: 'invalid-argument' } })
    }
    expect((await view()).resource).toBe('desk')
    expect((await stored())?.resource).toBe('desk')
    // At the limit (1023 bytes, 341 three-byte characters) it is taken.
    expect(await call('update', ID, { resource: '界'.repeat(341) })).toMatchObject({ ok: true })
  })
})
