import { randomBytes } from 'node:crypto'
import { afterEach } from 'vitest'
import type { ServerOverride } from '../../src/shared/model/account'
import { createCore, type Core, type CorePorts } from '../../src/main/core/createCore'
import type { CoreEventName, CoreEvents } from '../../src/main/core/events'
import { memorySecrets, memorySettings } from '../../src/main/core/ports'
import type { XmppTestTarget } from './target'

/** Cores for one test file, each signed out after every test. */
export function coreFactory(t: XmppTestTarget): () => Core {
  const cores: Core[] = []
  afterEach(async () => {
    await Promise.all(cores.splice(0).map((c) => c.accounts.stopAll()))
  })
  return () => {
    const c = makeCore(t)
    cores.push(c)
    return c
  }
}

/** Polls `check` every 50 ms until it holds; fails after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** A core wired to memory ports and trusting the test server's CA. */
export function makeCore(t: XmppTestTarget, extra: Partial<CorePorts> = {}): Core {
  return createCore({
    settings: memorySettings(),
    secrets: memorySecrets(),
    version: 'test',
    extraCa: t.caPem ? [t.caPem] : [],
    // The test Prosody serves uploads over http on loopback.
    allowInsecureUploadForLoopback: true,
    ...extra
  })
}

export function serverOf(t: XmppTestTarget, tls: 'starttls' | 'direct' = 'starttls'): ServerOverride {
  if (tls === 'direct') {
    if (t.directTlsPort === null) throw new Error('no direct TLS port known')
    return { host: t.host, port: t.directTlsPort, tls }
  }
  return { host: t.host, port: t.port, tls }
}

/** A fresh, unique, valid localpart. */
export function uniqueUser(prefix = 'u'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`
}

/** Waits for the first event of `name` that `match` accepts. */
export function nextEvent<K extends CoreEventName>(
  core: Core,
  name: K,
  match: (payload: CoreEvents[K]) => boolean = () => true,
  timeoutMs = 10_000
): Promise<CoreEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`no ${name} event within ${timeoutMs} ms`))
    }, timeoutMs)
    const off = core.events.on(name, (payload) => {
      if (!match(payload)) return
      clearTimeout(timer)
      off()
      resolve(payload)
    })
  })
}

/** Registers `user` on `domain` through the core and leaves it signed in. */
export async function registered(core: Core, t: XmppTestTarget, user = uniqueUser(), password = 'secret-' + user) {
  const jid = `${user}@${t.domain}`
  const id = await core.accounts.register({ jid, password, server: serverOf(t) })
  return { id, jid, password }
}

/** Resolves when the account reaches `state` (checking the current state first). */
export async function reachState(core: Core, id: import('../../src/shared/model/ids').AccountId, state: string, timeoutMs = 15_000): Promise<void> {
  if (core.accounts.get(id).connectionState().state === state) return
  await nextEvent(core, 'connectionState', (e) => e.account === id && e.state.state === state, timeoutMs)
}

/** A target pointing at a private server (for tests that restart or re-certify it). */
export function targetOf(server: { host: string; c2sPort: number; directTlsPort: number; domain: string; certPem: string; fingerprint256: string }): XmppTestTarget {
  return {
    host: server.host,
    port: server.c2sPort,
    directTlsPort: server.directTlsPort,
    domain: server.domain,
    domains: { noReg: null, sha256: null, plainOnly: null, noBlocking: null },
    caPem: server.certPem,
    fingerprint256: server.fingerprint256,
    external: false
  }
}
