// Login cost: Parley's core (STARTTLS + SCRAM + bind) against the floor of a bare client that does
// STARTTLS + PLAIN + bind with no XML library, on the same private Prosody in the same run.
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import tls from 'node:tls'
import { createCore } from '../../src/main/core/createCore'
import { memorySecrets, memorySettings } from '../../src/main/core/ports'
import type { ProsodyServer } from '../../test/helpers/prosody'
import { median, type Row } from './table'

const RUNS = 15
const WARMUP = 2

/** The floor: what any client must spend on the wire, with nothing but string matching. */
async function rawPlainLogin(server: ProsodyServer, user: string, password: string): Promise<number> {
  const started = performance.now()
  const socket = net.connect(server.c2sPort, '127.0.0.1')
  socket.setNoDelay(true)
  let text = ''
  let onText: (() => void) | null = null
  const feed = (d: Buffer) => {
    text += d.toString('utf8')
    onText?.()
  }
  socket.on('data', feed)
  const until = (re: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (re.test(text)) {
          text = ''
          onText = null
          resolve()
        }
      }
      onText = check
      socket.once('error', reject)
      check()
    })
  const header = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${server.domain}' version='1.0'>`
  await new Promise((r) => socket.once('connect', r))
  socket.write(header)
  await until(/<\/stream:features>/)
  socket.write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
  await until(/<proceed/)
  socket.off('data', feed)
  const secure = tls.connect({ socket, servername: server.domain, ca: [server.certPem] })
  secure.setNoDelay(true)
  secure.on('data', feed)
  await new Promise((r) => secure.once('secureConnect', r))
  secure.write(header)
  await until(/<\/stream:features>/)
  secure.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0${password}`).toString('base64')}</auth>`)
  await until(/<success/)
  secure.write(header)
  await until(/<\/stream:features>/)
  secure.write("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
  await until(/<\/iq>/)
  const elapsed = performance.now() - started
  secure.destroy()
  return elapsed
}

async function coreLogin(server: ProsodyServer, domain: string, user: string, password: string): Promise<number> {
  const core = createCore({ settings: memorySettings(), secrets: memorySecrets(), version: 'bench', extraCa: [server.certPem] })
  const started = performance.now()
  await core.accounts.signIn({ jid: `${user}@${domain}`, password, server: { host: '127.0.0.1', port: server.c2sPort, tls: 'starttls' } })
  const elapsed = performance.now() - started
  await core.accounts.stopAll()
  return elapsed
}

/** A reconnect of a signed-in account: SCRAM keys cached from the first login (RFC 5802 §5.1). */
async function coreReconnects(server: ProsodyServer, user: string, password: string, runs: number): Promise<number[]> {
  const core = createCore({ settings: memorySettings(), secrets: memorySecrets(), version: 'bench', extraCa: [server.certPem] })
  const id = await core.accounts.signIn({ jid: `${user}@${server.domain}`, password, server: { host: '127.0.0.1', port: server.c2sPort, tls: 'starttls' } })
  const account = core.accounts.get(id)
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    await account.stop()
    const started = performance.now()
    await account.connectOnce(password)
    times.push(performance.now() - started)
  }
  await core.accounts.stopAll()
  return times
}

async function sample(fn: () => Promise<number>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await fn()
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) times.push(await fn())
  return times
}

export async function benchLogin(server: ProsodyServer): Promise<Row[]> {
  const password = 'bench-password'
  server.register('benchscram', server.domain, password)
  server.register('benchplain', server.domains.plainOnly, password)
  server.register('benchsha256', server.domains.sha256, password)
  const floor = median(await sample(() => rawPlainLogin(server, 'benchscram', password)))
  const rows: Row[] = [{ what: 'login floor: bare socket, STARTTLS + PLAIN + bind', value: floor, unit: 'ms', ratio: 1 }]
  const add = (what: string, value: number) => rows.push({ what, value, unit: 'ms', ratio: value / floor })
  add('Parley sign-in, SCRAM-SHA-1 (4096 iterations)', median(await sample(() => coreLogin(server, server.domain, 'benchscram', password))))
  add('Parley sign-in, SCRAM-SHA-256', median(await sample(() => coreLogin(server, server.domains.sha256, 'benchsha256', password))))
  add('Parley sign-in, PLAIN over TLS', median(await sample(() => coreLogin(server, server.domains.plainOnly, 'benchplain', password))))
  add('Parley reconnect, SCRAM keys cached', median(await coreReconnects(server, 'benchscram', password, RUNS)))
  return rows
}
