import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('electron', async () => (await import('../app/electronMock')).electronModule())

import { createSettingsStore, DEFAULT_DESKTOP, DEFAULT_UI } from '../../../../src/main/platform/settingsStore'

const ACCOUNT = { id: '4c0e1a52-7d38-4a8e-9b55-2f0e5b8a1c01', jid: 'romeo@montague.net', enabled: true }
let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-settings-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const file = () => join(dir, 'settings.json')
const onDisk = () => JSON.parse(readFileSync(file(), 'utf8')) as Record<string, unknown>

describe('settings store', () => {
  it('starts from the defaults in a new profile, in a file only the user can read', async () => {
    const s = createSettingsStore({ cwd: dir })
    expect(s.desktop.get()).toEqual(DEFAULT_DESKTOP)
    expect(s.ui.get()).toEqual(DEFAULT_UI)
    expect(await s.accounts.loadAccounts()).toEqual([])
    expect(statSync(file()).mode & 0o777).toBe(0o600)
  })

  it('keeps accounts, UI and desktop settings, and nothing else (no history)', async () => {
    const s = createSettingsStore({ cwd: dir })
    await s.accounts.saveAccounts([ACCOUNT as never])
    s.ui.set({ ...DEFAULT_UI, theme: 'dark' })
    s.desktop.set({ closeToTray: false })
    s.desktop.set({ mutedChats: [{ account: ACCOUNT.id as never, peer: 'juliet@capulet.lit' }] })
    const again = createSettingsStore({ cwd: dir })
    expect(await again.accounts.loadAccounts()).toEqual([ACCOUNT])
    expect(again.ui.get().theme).toBe('dark')
    expect(again.desktop.get()).toEqual({ ...DEFAULT_DESKTOP, closeToTray: false, mutedChats: [{ account: ACCOUNT.id, peer: 'juliet@capulet.lit' }] })
    expect(Object.keys(onDisk()).sort()).toEqual(['__internal__', 'accounts', 'desktop', 'ui'])
  })

  it('migrates an old file that lacks keys: each gets its default, the rest is kept', async () => {
    writeFileSync(file(), JSON.stringify({ accounts: [ACCOUNT], ui: { language: 'zh-CN' } }))
    const s = createSettingsStore({ cwd: dir })
    expect(s.ui.get()).toEqual({ ...DEFAULT_UI, language: 'zh-CN' })
    expect(s.desktop.get()).toEqual(DEFAULT_DESKTOP)
    expect(await s.accounts.loadAccounts()).toEqual([ACCOUNT])
    expect(onDisk()['desktop']).toEqual(DEFAULT_DESKTOP)
    expect(onDisk()['__internal__']).toEqual({ migrations: { version: '0.1.0' } })
  })

  it('repairs a file that breaks the schema instead of refusing to start', async () => {
    const onRepair = vi.fn()
    writeFileSync(
      file(),
      JSON.stringify({
        accounts: [ACCOUNT, { id: 'x' }, 'junk', { ...ACCOUNT, id: 'other', enabled: 'yes' }],
        ui: { theme: 42, language: 'en' },
        desktop: { closeToTray: 'yes', notifications: false, mutedChats: ['old\u0000format', { account: 'a', peer: 'b@c.d' }] }
      })
    )
    const s = createSettingsStore({ cwd: dir, onRepair })
    expect(onRepair).toHaveBeenCalledOnce()
    expect(await s.accounts.loadAccounts()).toEqual([ACCOUNT])
    expect(s.ui.get()).toEqual({ ...DEFAULT_UI, language: 'en' })
    expect(s.desktop.get()).toEqual({ ...DEFAULT_DESKTOP, notifications: false, mutedChats: [{ account: 'a', peer: 'b@c.d' }] })
  })

  it('keeps an account that carries keys it does not know (written by a newer Parley), and leaves the file alone', async () => {
    const onRepair = vi.fn()
    const newer = { ...ACCOUNT, server: { host: 'xmpp.montague.net', port: 5222, tls: 'starttls', proxy: 'socks5' }, omemo: { enabled: true } }
    const muted = { account: ACCOUNT.id, peer: 'juliet@capulet.lit', until: 0 }
    const before = JSON.stringify({ accounts: [newer], desktop: { ...DEFAULT_DESKTOP, mutedChats: [muted] } })
    writeFileSync(file(), before)
    const s = createSettingsStore({ cwd: dir, onRepair })
    expect(onRepair).not.toHaveBeenCalled()
    expect((await s.accounts.loadAccounts()).map((a) => a.id)).toEqual([ACCOUNT.id])
    expect(onDisk()['accounts']).toEqual([newer])
    expect(s.desktop.get().mutedChats).toEqual([muted])
    expect(readdirSync(dir).filter((f) => f !== 'settings.json')).toEqual([])
  })

  it('a repair first keeps the original beside the file, and says where', async () => {
    const onRepair = vi.fn()
    const original = JSON.stringify({ accounts: [ACCOUNT, { ...ACCOUNT, id: 'other', enabled: 'yes' }], ui: { theme: 42 } })
    writeFileSync(file(), original)
    const s = createSettingsStore({ cwd: dir, onRepair })
    expect(await s.accounts.loadAccounts()).toEqual([ACCOUNT])
    const backups = readdirSync(dir).filter((f) => f.startsWith('settings.json.bak-'))
    expect(backups).toHaveLength(1)
    const backup = join(dir, backups[0] as string)
    expect(readFileSync(backup, 'utf8')).toBe(original)
    expect(statSync(backup).mode & 0o777).toBe(0o600)
    expect(onRepair).toHaveBeenCalledWith(expect.stringContaining(backup))
  })

  it('sets a file that is not JSON aside and starts afresh', () => {
    writeFileSync(file(), '{"accounts": [')
    const onRepair = vi.fn()
    const s = createSettingsStore({ cwd: dir, onRepair })
    expect(s.desktop.get()).toEqual(DEFAULT_DESKTOP)
    expect(onRepair).toHaveBeenCalledWith(expect.stringContaining('not valid JSON'))
    expect(readdirSync(dir).some((f) => f.startsWith('settings.json.broken-'))).toBe(true)
  })

  it('refuses to write values that break the schema', () => {
    const s = createSettingsStore({ cwd: dir })
    expect(() => s.store.set('desktop', { closeToTray: 'yes' } as never)).toThrow(/schema/)
    expect(() => s.store.set('ui', { theme: 'neon' } as never)).toThrow(/schema/)
    // The typed setters repair instead of throwing.
    expect(s.desktop.set({ closeToTray: 'yes' } as never).closeToTray).toBe(DEFAULT_DESKTOP.closeToTray)
  })
})
