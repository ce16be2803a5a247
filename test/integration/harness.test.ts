// Smoke test of the integration harness with a bare socket client (no XMPP library): the target server answers,
// its TLS can be trusted with caPem, and the private Prosody's special virtual hosts behave as documented in
// test/helpers/target.ts.
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { StringDecoder } from 'node:string_decoder'
import tls from 'node:tls'
import { afterEach, describe, expect, it } from 'vitest'
import { target } from '../helpers/target'

const t = target()
const NS_BLOCKING = 'urn:xmpp:blocking'

// Reads text from a socket and waits for patterns; enough XMPP for a smoke test.
class Wire {
  private text = ''
  private readonly decoder = new StringDecoder('utf8')
  private wake: (() => void) | null = null
  private closed = false
  readonly socket: net.Socket

  constructor(socket: net.Socket) {
    this.socket = socket
    socket.on('data', this.onData)
    socket.on('error', () => {}) // surfaces as 'close' and a failed until()
    socket.on('close', () => {
      this.closed = true
      this.wake?.()
    })
  }

  send(xml: string): void {
    this.socket.write(xml)
  }

  // Resolves with the text up to and including the first match; later reads continue after it.
  async until(re: RegExp, timeoutMs = 5_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const m = re.exec(this.text)
      if (m) {
        const end = m.index + m[0].length
        const out = this.text.slice(0, end)
        this.text = this.text.slice(end)
        return out
      }
      const left = deadline - Date.now()
      if (this.closed || left <= 0) {
        throw new Error(`waiting for ${re}: ${this.closed ? 'connection closed' : 'timeout'}; got ${this.text}`)
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  }

  // Hands the socket to TLS: plaintext reading must stop before the handshake bytes arrive.
  detach(): net.Socket {
    this.socket.off('data', this.onData)
    return this.socket
  }

  private readonly onData = (chunk: Buffer): void => {
    this.text += this.decoder.write(chunk)
    this.wake?.()
  }
}

const open: net.Socket[] = []
afterEach(() => {
  for (const s of open.splice(0)) s.destroy()
})

function header(domain: string): string {
  return (
    `<?xml version='1.0'?><stream:stream to='${domain}' xmlns='jabber:client' ` +
    `xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`
  )
}

const FEATURES_END = /<\/stream:features>/

function connectPlain(): Promise<Wire> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(t.port, t.host, () => resolve(new Wire(socket)))
    open.push(socket)
    socket.once('error', reject)
  })
}

function connectTls(opts: tls.ConnectionOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ ...opts, ca: t.caPem || undefined }, () => resolve(socket))
    open.push(socket)
    socket.once('error', reject)
  })
}

// Plain stream, STARTTLS, TLS stream: resolves with the TLS wire and the features offered after TLS.
async function startTls(domain: string): Promise<{ wire: Wire; socket: tls.TLSSocket; features: string }> {
  const plain = await connectPlain()
  plain.send(header(domain))
  await plain.until(FEATURES_END)
  plain.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
  await plain.until(/<proceed\b[^>]*\/>/)
  const socket = await connectTls({ socket: plain.detach(), servername: domain })
  const wire = new Wire(socket)
  wire.send(header(domain))
  return { wire, socket, features: await wire.until(FEATURES_END) }
}

function mechanismsOf(features: string): string[] {
  return [...features.matchAll(/<mechanism>([^<]+)<\/mechanism>/g)].map((m) => m[1] ?? '')
}

async function iq(wire: Wire, id: string, attrs: string, child: string): Promise<string> {
  wire.send(`<iq id='${id}' ${attrs}>${child}</iq>`)
  const reply = await wire.until(new RegExp(`<iq\\b[^>]*\\bid=['"]${id}['"][^>]*(/>|>[\\s\\S]*?</iq>)`))
  expect(reply, reply).toMatch(/type=['"]result['"]/)
  return reply
}

// In-band registration, PLAIN, bind, then the server's disco#info features.
async function serverFeaturesAfterLogin(domain: string): Promise<string[]> {
  const { wire } = await startTls(domain)
  const user = `harness-${randomBytes(4).toString('hex')}`
  const password = randomBytes(8).toString('hex')
  await iq(wire, 'reg', "type='set'", 
    `<query xmlns='jabber:iq:register'><username>${user}</username><password>${password}</password></query>`)
  const plain = Buffer.from(`\0${user}\0${password}`).toString('base64')
  wire.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain}</auth>`)
  expect(await wire.until(/<success\b[^>]*(\/>|>[\s\S]*?<\/success>)|<\/failure>/)).toContain('<success')
  wire.send(header(domain))
  await wire.until(FEATURES_END)
  await iq(wire, 'bind', "type='set'", "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>")
  const info = await iq(wire, 'disco', `type='get' to='${domain}'`,
    "<query xmlns='http://jabber.org/protocol/disco#info'/>")
  return [...info.matchAll(/<feature var=['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '')
}

describe('integration target', () => {
  it('answers a stream header on the STARTTLS port and offers <starttls>', async () => {
    const wire = await connectPlain()
    wire.send(header(t.domain))
    const reply = await wire.until(FEATURES_END)
    expect(reply).toMatch(/<stream:stream\b[^>]*>/)
    expect(reply).toMatch(/<starttls xmlns=['"]urn:ietf:params:xml:ns:xmpp-tls['"]/)
  })

  it('upgrades with STARTTLS, trusting caPem, and then offers SASL', async () => {
    const { socket, features } = await startTls(t.domain)
    expect(socket.authorized).toBe(true)
    expect(mechanismsOf(features)).toContain('PLAIN')
    if (t.fingerprint256) expect(socket.getPeerX509Certificate()?.fingerprint256).toBe(t.fingerprint256)
  })

  it.skipIf(t.directTlsPort === null)('completes a direct TLS handshake, trusting caPem', async () => {
    const socket = await connectTls({
      host: t.host,
      port: t.directTlsPort ?? 0,
      servername: t.external ? t.domain : 'localhost'
    })
    expect(socket.authorized).toBe(true)
    if (t.fingerprint256) expect(socket.getPeerX509Certificate()?.fingerprint256).toBe(t.fingerprint256)
    const wire = new Wire(socket)
    wire.send(header(t.domain))
    expect(mechanismsOf(await wire.until(FEATURES_END)).length).toBeGreaterThan(0)
  })
})

describe.skipIf(t.external)('special virtual hosts of the private Prosody', () => {
  const d = t.domains

  it('noReg does not offer in-band registration, the main domain does', async () => {
    expect((await startTls(t.domain)).features).toContain('<register')
    expect((await startTls(d.noReg ?? '')).features).not.toContain('<register')
  })

  it('sha256 offers SCRAM-SHA-256 instead of SCRAM-SHA-1', async () => {
    const mechs = mechanismsOf((await startTls(d.sha256 ?? '')).features)
    expect(mechs).toContain('SCRAM-SHA-256')
    expect(mechs).not.toContain('SCRAM-SHA-1')
  })

  it('plainOnly offers only PLAIN after TLS', async () => {
    expect(mechanismsOf((await startTls(d.plainOnly ?? '')).features)).toEqual(['PLAIN'])
  })

  it('noBlocking does not advertise urn:xmpp:blocking, the main domain does', async () => {
    expect(await serverFeaturesAfterLogin(t.domain)).toContain(NS_BLOCKING)
    expect(await serverFeaturesAfterLogin(d.noBlocking ?? '')).not.toContain(NS_BLOCKING)
  })
})
