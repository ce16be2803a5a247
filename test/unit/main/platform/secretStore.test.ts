// Passwords through the real stores and the real core: sign in with a canary password, sign out,
// start again from the same profile (the stored password must work), then search every byte in
// the profile folder for the canary, raw or encoded. safeStorage is mocked by real AES-256-GCM.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('electron', async () => (await import('../app/electronMock')).electronModule())

import { createCore, type Core } from '../../../../src/main/core/createCore'
import { createFileLogger } from '../../../../src/main/platform/logger'
import { createSecretStore } from '../../../../src/main/platform/secretStore'
import { createSettingsStore } from '../../../../src/main/platform/settingsStore'
import type { AccountId } from '../../../../src/shared/model/ids'
import { startFakeServer, type FakeServer } from '../../../helpers/fakeServer'
import { StateLog, loginPeer, observed } from '../core/robustness/script'
import { electron } from '../app/electronMock'

const CANARY = 'Canary-7c3e9b-Pässwort-金丝雀'
const JID = 'alice@localhost'

let server: FakeServer
let profile: string
const cores: Core[] = []

beforeAll(async () => {
  server = await startFakeServer()
})
afterAll(async () => {
  await server.close()
})
beforeEach(() => {
  profile = mkdtempSync(join(tmpdir(), 'parley-profile-'))
  electron.safeStorage.state.available = true
  electron.safeStorage.state.backend = 'gnome_libsecret'
})
afterEach(async () => {
  for (const core of cores.splice(0)) await core.accounts.stopAll()
  rmSync(profile, { recursive: true, force: true })
})

/** One run of Parley on the profile folder: the app's own stores and logger around a real core. */
function launch() {
  const settings = createSettingsStore({ cwd: profile })
  const secrets = createSecretStore({ cwd: profile, platform: 'linux' })
  const log = createFileLogger(join(profile, 'logs', 'parley.log'))
  const core = createCore({ settings: settings.accounts, secrets: secrets.port, log, version: 'test', extraCa: [server.certPem] })
  cores.push(core)
  return { core, secrets, states: new StateLog(core) }
}

/** The server side of a SCRAM login, so the password is proven right without crossing in clear. */
const serve = async () => loginPeer(await server.nextPeer(), { mechanisms: ['SCRAM-SHA-256'], password: CANARY })

async function signIn(run: ReturnType<typeof launch>, remember = true): Promise<AccountId> {
  const pending = observed(run.core.accounts.signIn({ jid: JID, password: CANARY, server: { host: '127.0.0.1', port: server.port, tls: 'starttls' }, remember }))
  await serve()
  return pending
}

/** Every file under the profile folder, as bytes. */
function profileFiles(dir = profile): [string, Buffer][] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    return e.isDirectory() ? profileFiles(path) : [[path, readFileSync(path)] as [string, Buffer]]
  })
}

/** The canary as it could appear: raw (UTF-8, UTF-16, \\u-escaped), base64(url) at any byte alignment, hex. */
function encodings(secret: string): string[] {
  const raw = Buffer.from(secret, 'utf8')
  const asciiEscaped = secret.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  const forms = [secret, raw.toString('hex'), raw.toString('hex').toUpperCase(), Buffer.from(secret, 'utf16le').toString('latin1'), asciiEscaped]
  for (let shift = 0; shift < 3; shift++) {
    const shifted = Buffer.concat([Buffer.alloc(shift), raw])
    // Only the characters that do not depend on the neighbouring bytes.
    for (const b64 of [shifted.toString('base64'), shifted.toString('base64url')]) forms.push(b64.slice(4, -4))
  }
  return forms
}

function findCanary(): string[] {
  const hits: string[] = []
  for (const [path, bytes] of profileFiles()) {
    const text = bytes.toString('latin1')
    const utf8 = bytes.toString('utf8')
    for (const form of encodings(CANARY)) if (text.includes(form) || utf8.includes(form)) hits.push(`${path}: ${form.slice(0, 12)}…`)
  }
  return hits
}

const storedBlobs = (): Record<string, string> => (JSON.parse(readFileSync(join(profile, 'secrets.json'), 'utf8')) as { passwords: Record<string, string> }).passwords

describe('the search itself', () => {
  it('finds the canary in every form it looks for, at any alignment', () => {
    const raw = Buffer.from(CANARY, 'utf8')
    const plants = [
      Buffer.from(`{"password":"${CANARY}"}`),
      Buffer.from(`x${Buffer.concat([Buffer.from('ab'), raw]).toString('base64')}y`),
      Buffer.from(Buffer.concat([Buffer.from('a'), raw]).toString('base64url')),
      Buffer.from(`:${raw.toString('hex')}:`),
      Buffer.from(raw.toString('hex').toUpperCase()),
      Buffer.from(CANARY, 'utf16le'),
      Buffer.from(JSON.stringify({ p: CANARY }).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
    ]
    for (const [i, bytes] of plants.entries()) {
      writeFileSync(join(profile, `plant-${i}`), bytes)
      expect(findCanary(), `plant ${i}`).not.toEqual([])
      rmSync(join(profile, `plant-${i}`))
    }
  })
})

describe('secret store with a keyring', () => {
  it('a sign-in, sign-out and restart cycle leaves no trace of the password in the profile', async () => {
    const first = launch()
    expect(await first.secrets.protection()).toBe('os')
    const id = await signIn(first)
    await first.core.accounts.stopAll()

    // Next start: the stored (encrypted) password is read back and logs in.
    const second = launch()
    await second.core.accounts.start()
    await serve()
    await second.states.wait(id, 'online')
    await second.core.accounts.stopAll()

    const files = profileFiles().map(([p]) => p.slice(profile.length + 1))
    expect(files).toEqual(expect.arrayContaining(['settings.json', 'secrets.json']))
    expect(findCanary()).toEqual([])
    // It is there, encrypted, in a file only the user can read.
    const blob = storedBlobs()[id]
    expect(blob).toBeDefined()
    expect((await electron.safeStorage.decryptStringAsync(Buffer.from(blob ?? '', 'base64'))).result).toBe(CANARY)
    expect(statSync(join(profile, 'secrets.json')).mode & 0o777).toBe(0o600)
    expect(readFileSync(join(profile, 'settings.json'), 'utf8')).not.toContain('password')
  }, 30_000)

  it('removing the account removes its password', async () => {
    const run = launch()
    const id = await signIn(run)
    await run.core.accounts.remove(id)
    expect(storedBlobs()).toEqual({})
    expect(findCanary()).toEqual([])
  }, 20_000)

  it('“do not remember” writes nothing', async () => {
    const run = launch()
    const id = await signIn(run, false)
    expect(storedBlobs()[id]).toBeUndefined()
    expect(findCanary()).toEqual([])
  }, 20_000)
})

describe('secret store without a keyring (Linux basic_text)', () => {
  beforeEach(() => {
    electron.safeStorage.state.backend = 'basic_text'
  })

  it('without the user’s permission stores nothing: the password lives in memory, and is asked again next start', async () => {
    const first = launch()
    expect(await first.secrets.view()).toEqual({ level: 'weak', weakAllowed: false, storing: false })
    const id = await signIn(first)
    expect(await first.secrets.port.getPassword(id)).toBe(CANARY)
    expect(storedBlobs()).toEqual({})
    await first.core.accounts.stopAll()
    expect(findCanary()).toEqual([])

    const second = launch()
    await second.core.accounts.start()
    const failed = await second.states.wait(id, 'auth-failed')
    expect(failed.error.code).toBe('not-authorized')
  }, 20_000)

  it('with permission stores it (weakly protected), and the next start logs in', async () => {
    const first = launch()
    const id = await signIn(first)
    expect(storedBlobs()).toEqual({})
    // The user said yes after the fact: the password kept in memory is written now.
    expect(await first.secrets.allowWeak(true)).toEqual({ level: 'weak', weakAllowed: true, storing: true })
    expect(storedBlobs()[id]).toBeDefined()
    await first.core.accounts.stopAll()
    expect(findCanary()).toEqual([])

    const second = launch()
    await second.core.accounts.start()
    await serve()
    await second.states.wait(id, 'online')
  }, 20_000)

  it('taking the permission back removes stored passwords from disk but keeps them for this run', async () => {
    const run = launch()
    await run.secrets.allowWeak(true)
    const id = await signIn(run)
    expect(storedBlobs()[id]).toBeDefined()
    await run.secrets.allowWeak(false)
    expect(storedBlobs()).toEqual({})
    expect(await run.secrets.port.getPassword(id)).toBe(CANARY)
    expect(findCanary()).toEqual([])
  }, 20_000)

  it('with no encryption at all, nothing is ever written, even when allowed', async () => {
    electron.safeStorage.state.available = false
    const run = launch()
    await run.secrets.allowWeak(true)
    expect(await run.secrets.view()).toEqual({ level: 'none', weakAllowed: true, storing: false })
    const id = await signIn(run)
    expect(storedBlobs()).toEqual({})
    expect(await run.secrets.port.getPassword(id)).toBe(CANARY)
  }, 20_000)
})

describe('a damaged secrets file', () => {
  it('is set aside instead of stopping Parley; the passwords are then asked again', async () => {
    writeFileSync(join(profile, 'secrets.json'), '{"passwords": 42')
    const run = launch()
    expect(await run.secrets.port.getPassword('x' as AccountId)).toBeNull()
    expect(readdirSync(profile).some((f) => f.startsWith('secrets.json.broken-'))).toBe(true)
    writeFileSync(join(profile, 'secrets.json'), JSON.stringify({ passwords: { a: 1 }, allowWeak: 'yes' }))
    expect(() => launch()).not.toThrow()
  })
})
