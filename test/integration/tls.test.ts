import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Core } from '../../src/main/core/createCore'
import type { CoreError } from '../../src/main/core/errors'
import { makeCore, reachState, serverOf, targetOf, uniqueUser } from '../helpers/core'
import { startProsody, type ProsodyServer } from '../helpers/prosody'
import { target } from '../helpers/target'

// Needs a server of its own: the test changes its certificate.
describe.skipIf(target().external)('certificate trust on first use', () => {
  let server: ProsodyServer
  const cores: Core[] = []

  beforeAll(async () => {
    server = await startProsody()
  })
  afterAll(async () => {
    await Promise.all(cores.map((c) => c.accounts.stopAll()))
    await server.cleanup()
  })

  it('refuses a self-signed certificate, accepts it once pinned, and refuses a changed one', async () => {
    const t = targetOf(server)
    const user = uniqueUser()
    const password = 'pw-' + user
    server.register(user, t.domain, password)
    const jid = `${user}@${t.domain}`

    // No extra CA: the system does not know this self-signed certificate.
    const untrusting = makeCore({ ...t, caPem: '' })
    cores.push(untrusting)
    const refused = (await untrusting.accounts.signIn({ jid, password, server: serverOf(t) }).catch((e: unknown) => e)) as CoreError
    expect(refused.code).toBe('tls-untrusted')
    expect(refused.cert?.fingerprint256).toBe(server.fingerprint256)
    expect(refused.cert?.reason).toMatch(/SELF_SIGNED/)
    expect(refused.cert?.subjectAltName).toContain('DNS:localhost')
    expect(refused.cert?.validTo).toBeGreaterThan(Date.now())

    // The user trusts exactly that certificate.
    const id = await untrusting.accounts.signIn({ jid, password, server: serverOf(t), pinnedCertificate: refused.cert!.fingerprint256 })
    expect(untrusting.accounts.get(id).connectionState().state).toBe('online')
    expect(untrusting.accounts.get(id).settings.pinnedCertificate).toBe(server.fingerprint256)

    // The server now presents another certificate: refused again, with both fingerprints.
    const before = server.fingerprint256
    await server.restart({ newCertificate: true })
    expect(server.fingerprint256).not.toBe(before)
    await reachState(untrusting, id, 'error', 20_000)
    const state = untrusting.accounts.get(id).connectionState()
    expect(state.state).toBe('error')
    if (state.state !== 'error') return
    expect(state.error.code).toBe('tls-pin-mismatch')
    expect(state.error.pinned).toBe(before)
    expect(state.error.cert?.fingerprint256).toBe(server.fingerprint256)
  })

  it('verifies Direct TLS against the JID domain too', async () => {
    const t = targetOf(server)
    const user = uniqueUser()
    server.register(user, t.domain, 'pw')
    const c = makeCore({ ...t, caPem: '' })
    cores.push(c)
    const err = (await c.accounts.signIn({ jid: `${user}@${t.domain}`, password: 'pw', server: serverOf(t, 'direct') }).catch((e: unknown) => e)) as CoreError
    expect(err.code).toBe('tls-untrusted')
    expect(err.cert?.fingerprint256).toBe(server.fingerprint256)
  })
})
