// Plays the server side of a client login on the scripted fake server, so that each robustness test only writes
// the hostile part. A pump reads everything the client sends, splits it into top-level elements (the client's own
// output is ltx-serialised: attributes in double quotes, '<' and '>' escaped, so counting tags is enough), and
// answers the client's IQ requests by itself unless a test takes one over.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto'
import { createCore, type Core } from '../../../../../src/main/core/createCore'
import { CoreError } from '../../../../../src/main/core/errors'
import { memorySecrets, memorySettings } from '../../../../../src/main/core/ports'
import type { ConnectionState } from '../../../../../src/shared/model/connection'
import type { AccountId } from '../../../../../src/shared/model/ids'
import { PROCEED, features, mechanisms, starttlsFeature, streamHeader, type FakePeer } from '../../../../helpers/fakeServer'

export const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl'
export const BIND_FEATURE = "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"

const WAIT_MS = 8_000

/** What the client sent: a stream header, one top-level element, or its closing `</stream:stream>`. */
export interface Received {
  kind: 'header' | 'element' | 'end'
  xml: string
}

/**
 * How to answer one IQ request of the client: a string is written as the answer (it may hold several stanzas),
 * `null` leaves the request unanswered, `undefined` falls back to the default (bind gets a JID, the rest an empty
 * result).
 */
export type IqAnswer = (iq: string) => string | null | undefined

export interface ScramServerOptions {
  iterations?: number
  /** Replace the server nonce by one that does not start with the client's (RFC 5802 §5.1 violation). */
  foreignNonce?: boolean
  /** Send a server signature (`v=`) that the client cannot have computed. */
  badSignature?: boolean
}

export interface LoginOptions {
  /** The JID domain the server claims (stream `from`). Default 'localhost'. */
  domain?: string
  /** The full JID handed out at resource binding. Default `alice@<domain>/r`. */
  boundJid?: string
  /** SASL mechanisms offered after TLS. Default ['PLAIN']. */
  mechanisms?: string[]
  /** Account password; the server needs it to play SCRAM. */
  password?: string
  /** The peer is already on TLS (direct TLS server): no STARTTLS step. */
  directTls?: boolean
  scram?: ScramServerOptions
  answer?: IqAnswer
}

/** Reads an attribute from serialised XML (the client writes double quotes, test fixtures single ones). */
export function attr(xml: string, name: string): string | undefined {
  const m = new RegExp(`^<[^>]*?\\s${name.replace(/[.:]/g, '\\$&')}=(["'])(.*?)\\1`).exec(xml)
  return m ? unescape(m[2] ?? '') : undefined
}

/** The text content of a simple element such as `<auth …>BASE64</auth>`. */
export function textOf(xml: string): string {
  const m = /^<[^>]*[^/]>([^<]*)</.exec(xml)
  return m ? unescape(m[1] ?? '') : ''
}

function unescape(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp);/g, (_m, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e] ?? '')
}

/** The condition of a `<stream:error>` the client wrote, or null when there is none. */
export function streamErrorCondition(xml: string): string | null {
  if (!xml.startsWith('<stream:error')) return null
  const m = /<([a-z-]+) xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>/.exec(xml)
  return m?.[1] ?? 'none'
}

export const isIq = (type?: string) => (xml: string) => xml.startsWith('<iq') && (type === undefined || attr(xml, 'type') === type)

/** One client connection seen from the server, with the client's output split into elements. */
export class ServerSession {
  readonly received: Received[] = []
  /** Set once the pump stopped: the connection closed. */
  done = false
  private cursor = 0
  private pending = ''
  private writing: Promise<void> = Promise.resolve()
  /** How far into `pending` tags were already counted. */
  private scanned = 0
  private depth = 0
  private start = -1
  private wake: (() => void) | null = null
  private readonly pump: Promise<void>

  constructor(
    readonly peer: FakePeer,
    private readonly opts: LoginOptions = {}
  ) {
    this.pump = this.run()
  }

  get domain(): string {
    return this.opts.domain ?? 'localhost'
  }

  get boundJid(): string {
    return this.opts.boundJid ?? `alice@${this.domain}/r`
  }

  /** Writes after everything written before, automatic answers included. */
  write(data: string | Buffer): Promise<void> {
    return this.queue(() => this.peer.write(data))
  }

  /**
   * Writes `parts` as separate TCP/TLS writes `gapMs` apart, with nothing else in between: an automatic answer
   * to a request that comes in meanwhile waits (it would otherwise land inside a split character).
   */
  writeInParts(parts: (string | Buffer)[], gapMs: number): Promise<void> {
    return this.queue(async () => {
      for (const [i, part] of parts.entries()) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, gapMs))
        await this.peer.write(part)
      }
    })
  }

  private queue(task: () => Promise<void>): Promise<void> {
    const run = this.writing.then(task)
    this.writing = run.catch(() => undefined)
    return run
  }

  /** Resolves with the next received item (after the previous match) that `match` accepts; skips the rest. */
  async next(match: (xml: string, kind: Received['kind']) => boolean, what = 'element', timeoutMs = WAIT_MS): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      while (this.cursor < this.received.length) {
        const item = this.received[this.cursor++] as Received
        if (match(item.xml, item.kind)) return item.xml
      }
      if (this.done) throw new Error(`fake server: the connection closed before the client sent ${what}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`fake server: the client sent no ${what} within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  }

  nextHeader(): Promise<string> {
    return this.next((_xml, kind) => kind === 'header', 'a stream header')
  }

  /** The `<stream:error>` the client wrote before closing the stream. */
  nextStreamError(): Promise<string> {
    return this.next((xml) => xml.startsWith('<stream:error'), 'a stream error')
  }

  /** Waits until the client has closed the connection (the pump saw the end of the data). */
  async closed(): Promise<void> {
    await this.peer.closed
    await this.pump
  }

  private async run(): Promise<void> {
    for (;;) {
      let chunk: string
      try {
        // Every tag ends with '>', so reading up to each one never splits a tag across two reads.
        chunk = await this.peer.readUntil('>', 60_000)
      } catch {
        break
      }
      this.feed(chunk)
    }
    this.done = true
    this.notify()
  }

  private feed(chunk: string): void {
    this.pending += chunk
    let at = this.scanned
    for (;;) {
      const lt = this.pending.indexOf('<', at)
      if (lt < 0) break
      const gt = this.pending.indexOf('>', lt)
      if (gt < 0) break
      const tag = this.pending.slice(lt, gt + 1)
      at = gt + 1
      if (tag.startsWith('<?')) continue
      if (tag.startsWith('<stream:stream')) {
        this.push({ kind: 'header', xml: tag })
      } else if (tag.startsWith('</')) {
        if (this.depth === 0) this.closeStream(tag)
        else if (--this.depth === 0) this.push({ kind: 'element', xml: this.pending.slice(this.start, at) })
      } else if (tag.endsWith('/>')) {
        if (this.depth === 0) this.push({ kind: 'element', xml: tag })
      } else if (this.depth++ === 0) {
        this.start = lt
      }
    }
    // Keep only the unfinished element (or nothing) for the next read.
    if (this.depth > 0) {
      this.pending = this.pending.slice(this.start)
      this.scanned = at - this.start
      this.start = 0
    } else {
      this.pending = this.pending.slice(at)
      this.scanned = 0
    }
  }

  /** The client closed its stream: close ours too, as a server does (the client waits for it before hanging up). */
  private closeStream(tag: string): void {
    this.push({ kind: 'end', xml: tag })
    this.write('</stream:stream>')
      .then(() => this.peer.end())
      .catch(() => undefined)
  }

  private push(item: Received): void {
    this.received.push(item)
    if (item.kind === 'element' && isIq()(item.xml)) this.answerIq(item.xml)
    this.notify()
  }

  private answerIq(iq: string): void {
    const type = attr(iq, 'type')
    if (type !== 'get' && type !== 'set') return
    const custom = this.opts.answer?.(iq)
    if (custom === null) return
    const id = attr(iq, 'id') ?? ''
    let reply = custom
    if (reply === undefined) {
      reply = iq.includes('urn:ietf:params:xml:ns:xmpp-bind')
        ? `<iq type='result' id='${id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>${this.boundJid}</jid></bind></iq>`
        : `<iq type='result' id='${id}'/>`
    }
    this.write(reply).catch(() => undefined) // the client may have gone; the test sees that elsewhere
  }

  private notify(): void {
    const wake = this.wake
    this.wake = null
    wake?.()
  }
}

/**
 * Drives a fresh peer through STARTTLS (unless direct TLS), SASL (PLAIN, or SCRAM computed here from RFC 5802),
 * the stream restart and resource binding. Resolves once binding was offered: the bind request and everything
 * after it are answered by the session's pump. Rejects when the client gives up on the way (that is how SCRAM and
 * TLS refusals show up here).
 */
export async function loginPeer(peer: FakePeer, opts: LoginOptions = {}): Promise<ServerSession> {
  const s = new ServerSession(peer, opts)
  const domain = s.domain
  if (!opts.directTls) {
    await s.nextHeader()
    await s.write(streamHeader(domain, randomId()) + features(starttlsFeature()))
    await s.next((xml) => xml.startsWith('<starttls'), '<starttls/>')
    await s.write(PROCEED)
    await peer.startTls()
  }
  await s.nextHeader()
  await s.write(streamHeader(domain, randomId()) + features(mechanisms(...(opts.mechanisms ?? ['PLAIN']))))
  const auth = await s.next((xml) => xml.startsWith('<auth'), '<auth/>')
  const mechanism = attr(auth, 'mechanism') ?? ''
  if (mechanism.startsWith('SCRAM-')) await scramServer(s, auth, opts)
  else await s.write(`<success xmlns='${NS_SASL}'/>`)
  await s.nextHeader()
  await s.write(streamHeader(domain, randomId()) + features(BIND_FEATURE))
  return s
}

async function scramServer(s: ServerSession, auth: string, opts: LoginOptions): Promise<void> {
  const mechanism = attr(auth, 'mechanism') ?? ''
  const digest = mechanism.startsWith('SCRAM-SHA-256') ? 'sha256' : 'sha1'
  const password = opts.password
  if (password === undefined) throw new Error('loginPeer: SCRAM needs the password')
  const scram = opts.scram ?? {}
  const clientFirst = Buffer.from(textOf(auth), 'base64').toString('utf8')
  // gs2-header is "cbflag,[authzid]," — the bare message starts after its second comma.
  const gs2End = clientFirst.indexOf(',', clientFirst.indexOf(',') + 1) + 1
  const clientFirstBare = clientFirst.slice(gs2End)
  const clientNonce = /(?:^|,)r=([^,]*)/.exec(clientFirstBare)?.[1] ?? ''
  const serverNonce = randomBytes(18).toString('base64')
  const nonce = scram.foreignNonce ? serverNonce : clientNonce + serverNonce
  const salt = randomBytes(16)
  const iterations = scram.iterations ?? 4096
  const serverFirst = `r=${nonce},s=${salt.toString('base64')},i=${iterations}`
  await s.write(`<challenge xmlns='${NS_SASL}'>${b64(serverFirst)}</challenge>`)

  const response = await s.next((xml) => xml.startsWith('<response'), '<response/>')
  const clientFinal = Buffer.from(textOf(response), 'base64').toString('utf8')
  const proofAt = clientFinal.lastIndexOf(',p=')
  const withoutProof = clientFinal.slice(0, proofAt)
  const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64')
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`

  const length = digest === 'sha256' ? 32 : 20
  const salted = pbkdf2Sync(password, salt, iterations, length, digest)
  const clientKey = createHmac(digest, salted).update('Client Key').digest()
  const storedKey = createHash(digest).update(clientKey).digest()
  const clientSignature = createHmac(digest, storedKey).update(authMessage).digest()
  const expected = Buffer.from(clientKey.map((byte, i) => byte ^ (clientSignature[i] ?? 0)))
  const nonceOk = /(?:^|,)r=([^,]*)/.exec(withoutProof)?.[1] === nonce
  if (!nonceOk || proof.length !== expected.length || !timingSafeEqual(proof, expected)) {
    await s.write(`<failure xmlns='${NS_SASL}'><not-authorized/></failure>`)
    throw new Error('fake server: the client proof is wrong')
  }
  const serverKey = createHmac(digest, salted).update('Server Key').digest()
  const signature = scram.badSignature ? randomBytes(length) : createHmac(digest, serverKey).update(authMessage).digest()
  await s.write(`<success xmlns='${NS_SASL}'>${b64(`v=${signature.toString('base64')}`)}</success>`)
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64')
const randomId = (): string => randomBytes(8).toString('hex')

/** Every connection state one core reports, per account, so a test can wait for a state that may already be past. */
export class StateLog {
  readonly entries: { account: AccountId; state: ConnectionState }[] = []
  private readonly off: () => void
  private waiters = new Set<() => void>()

  constructor(core: Core) {
    this.off = core.events.on('connectionState', (e) => {
      this.entries.push(e)
      for (const wake of [...this.waiters]) wake()
    })
  }

  /** States of one account from position `from` of the log on. */
  of(account: AccountId, from = 0): ConnectionState[] {
    return this.entries.slice(from).filter((e) => e.account === account).map((e) => e.state)
  }

  get length(): number {
    return this.entries.length
  }

  /** Resolves with the first state of `account` logged at or after `from` that has the name `state`. */
  async wait<N extends ConnectionState['state']>(
    account: AccountId,
    state: N,
    from = 0,
    timeoutMs = WAIT_MS
  ): Promise<Extract<ConnectionState, { state: N }>> {
    const find = () =>
      this.entries.slice(from).find((e) => e.account === account && e.state.state === state)?.state as
        | Extract<ConnectionState, { state: N }>
        | undefined
    const found = find()
    if (found) return found
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check)
        const seen = this.of(account, from).map((st) => st.state)
        reject(new Error(`no '${state}' state within ${timeoutMs} ms (seen: ${seen.join(', ') || 'none'})`))
      }, timeoutMs)
      const check = (): void => {
        const hit = find()
        if (!hit) return
        clearTimeout(timer)
        this.waiters.delete(check)
        resolve(hit)
      }
      this.waiters.add(check)
    })
  }

  stop(): void {
    this.off()
  }
}

/** A core on memory ports, trusting the fake server's certificate unless told otherwise. */
export function fakeCore(extraCa: readonly string[]): Core {
  return createCore({ settings: memorySettings(), secrets: memorySecrets(), version: 'test', extraCa })
}

/**
 * Marks a promise as observed right away, so that a rejection that happens while the test is still playing the
 * server is not reported as unhandled; awaiting the returned promise still throws.
 */
export function observed<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined)
  return promise
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<CoreError> {
  try {
    await promise
  } catch (err) {
    if (err instanceof CoreError) return err
    throw err
  }
  throw new Error('expected a rejection, but it resolved')
}

/**
 * Proof that nothing escaped to the process: spies on 'uncaughtException' and 'unhandledRejection' for one test
 * file. Call `install()` in beforeAll and `uninstall()` in afterAll; `calls()` lists what was caught.
 */
export function processWatch() {
  const seen: { event: string; err: unknown }[] = []
  const onException = (err: unknown): void => void seen.push({ event: 'uncaughtException', err })
  const onRejection = (err: unknown): void => void seen.push({ event: 'unhandledRejection', err })
  return {
    install(): void {
      process.on('uncaughtException', onException)
      process.on('unhandledRejection', onRejection)
    },
    uninstall(): void {
      process.off('uncaughtException', onException)
      process.off('unhandledRejection', onRejection)
    },
    calls: () => [...seen]
  }
}
