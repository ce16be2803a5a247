import { randomBytes } from 'node:crypto'
import type { ServerOverride } from '../../src/shared/model/account'
import { createCore, type Core, type CorePorts } from '../../src/main/core/createCore'
import type { CoreEventName, CoreEvents } from '../../src/main/core/events'
import { memorySecrets, memorySettings } from '../../src/main/core/ports'
import type { XmppTestTarget } from './target'

/** A core wired to memory ports and trusting the test server's CA. */
export function makeCore(t: XmppTestTarget, extra: Partial<CorePorts> = {}): Core {
  return createCore({
    settings: memorySettings(),
    secrets: memorySecrets(),
    version: 'test',
    extraCa: t.caPem ? [t.caPem] : [],
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
