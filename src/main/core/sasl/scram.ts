// SCRAM client (RFC 5802, RFC 7677) with optional channel binding (RFC 5929, RFC 9266).
// Pure: it only builds and checks messages; the caller moves them over the stream (base64 both ways).
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto'
import { saslprep } from '@mongodb-js/saslprep'

export type ScramHash = 'SHA-1' | 'SHA-256'

export type ChannelBinding = {
  type: 'tls-exporter' | 'tls-server-end-point' | 'tls-unique'
  data: Buffer
}

export interface ScramOptions {
  hash: ScramHash
  username: string
  password: string
  channelBinding?: ChannelBinding | null
  /** true -> GS2 'y' flag when no binding is used (we could bind but the server offered no -PLUS) */
  clientSupportsBinding?: boolean
  /** default 4096 (RFC 7677) */
  minIterations?: number
  /** default 1_000_000: refuse absurd counts that would freeze login */
  maxIterations?: number
  /** tests only */
  clientNonce?: string
  cachedKeys?: ScramKeys
}

export interface ScramKeys {
  /** base64, exactly as the server sent it */
  salt: string
  iterations: number
  hash: ScramHash
  clientKey: Buffer
  serverKey: Buffer
}

export type ScramErrorReason =
  | 'malformed'
  | 'nonce-mismatch'
  | 'iteration-count-too-low'
  | 'iteration-count-too-high'
  | 'server-error'
  | 'server-signature-mismatch'
  | 'bad-state'

export class ScramError extends Error {
  readonly reason: ScramErrorReason
  readonly serverError?: string

  constructor(reason: ScramErrorReason, message: string, serverError?: string) {
    super(message)
    this.name = 'ScramError'
    this.reason = reason
    if (serverError !== undefined) this.serverError = serverError
  }
}

const DEFAULT_MIN_ITERATIONS = 4096
const DEFAULT_MAX_ITERATIONS = 1_000_000
const NONCE_BYTES = 24

const DIGEST: Record<ScramHash, { name: string; length: number }> = {
  'SHA-1': { name: 'sha1', length: 20 },
  'SHA-256': { name: 'sha256', length: 32 }
}

// RFC 5802 'printable': %x21-2B / %x2D-7E (visible ASCII except ',')
const PRINTABLE = /^[\x21-\x2b\x2d-\x7e]+$/
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const POSITIVE_INT = /^[1-9][0-9]*$/

type State = 'initial' | 'first-sent' | 'computing' | 'final-sent' | 'done' | 'failed'

export class ScramClient {
  readonly mechanism: string
  private readonly hash: ScramHash
  private readonly username: string
  private readonly password: string
  private readonly gs2Header: string
  private readonly binding: ChannelBinding | null
  private readonly minIterations: number
  private readonly maxIterations: number
  private readonly nonce: string
  private readonly cachedKeys: ScramKeys | undefined
  private state: State = 'initial'
  private expectedServerSignature: Buffer | null = null
  private derivedKeys: ScramKeys | null = null

  constructor(o: ScramOptions) {
    this.hash = o.hash
    this.binding = o.channelBinding ?? null
    this.mechanism = `SCRAM-${o.hash}${this.binding ? '-PLUS' : ''}`
    this.username = escapeSaslName(prepare(o.username, 'username'))
    // SASLprep runs now so that a bad password fails before anything goes on the wire.
    this.password = prepare(o.password, 'password', true)
    this.gs2Header = gs2HeaderFor(this.binding, o.clientSupportsBinding ?? false)
    this.minIterations = o.minIterations ?? DEFAULT_MIN_ITERATIONS
    this.maxIterations = o.maxIterations ?? DEFAULT_MAX_ITERATIONS
    this.nonce = o.clientNonce ?? randomNonce()
    if (!PRINTABLE.test(this.nonce)) throw new Error('SCRAM client nonce must be printable ASCII without ","')
    this.cachedKeys = o.cachedKeys
  }

  /** Keys derived (or reused) by clientFinal, so that the caller can cache them per (salt, i). */
  get keys(): ScramKeys | null {
    return this.derivedKeys
  }

  /** The raw client-first-message (the caller base64-encodes it). */
  clientFirst(): string {
    if (this.state !== 'initial' && this.state !== 'first-sent') throw badState('clientFirst')
    this.state = 'first-sent'
    return this.gs2Header + this.clientFirstBare()
  }

  /** Checks server-first and returns the client-final-message with the proof. */
  async clientFinal(serverFirst: string): Promise<string> {
    if (this.state !== 'first-sent') throw badState('clientFinal')
    this.state = 'computing'
    try {
      const parsed = this.parseServerFirst(serverFirst)
      const keys = await this.keysFor(parsed.salt, parsed.iterations)
      const withoutProof = `c=${this.channelBindingValue()},r=${parsed.nonce}`
      const authMessage = `${this.clientFirstBare()},${serverFirst},${withoutProof}`
      const proof = this.clientProof(keys.clientKey, authMessage)
      this.expectedServerSignature = this.hmac(keys.serverKey, authMessage)
      this.derivedKeys = keys
      this.state = 'final-sent'
      return `${withoutProof},p=${proof.toString('base64')}`
    } catch (err) {
      this.state = 'failed'
      throw err
    }
  }

  /** Throws unless server-final proves that the server knows our password (or its ServerKey). */
  verifyServerFinal(serverFinal: string): void {
    if (this.state !== 'final-sent' || !this.expectedServerSignature) throw badState('verifyServerFinal')
    const expected = this.expectedServerSignature
    this.state = 'failed'
    const first = serverFinal.split(',')[0] ?? ''
    if (first.startsWith('e=')) throw serverError(first.slice(2))
    if (!first.startsWith('v=')) throw malformed('server-final lacks v=')
    const value = first.slice(2)
    if (!BASE64.test(value)) throw malformed('server-final v= is not base64')
    const got = Buffer.from(value, 'base64')
    // Length first: timingSafeEqual throws on unequal lengths, and the length is not secret.
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      throw new ScramError('server-signature-mismatch', 'SCRAM server signature does not match')
    }
    this.state = 'done'
  }

  private clientFirstBare(): string {
    return `n=${this.username},r=${this.nonce}`
  }

  private channelBindingValue(): string {
    const data = this.binding?.data ?? Buffer.alloc(0)
    return Buffer.concat([Buffer.from(this.gs2Header, 'utf8'), data]).toString('base64')
  }

  private parseServerFirst(message: string): { nonce: string; salt: string; iterations: number } {
    const attrs = message.split(',')
    const [r, s, i] = attrs
    // Not in the RFC 5802 grammar for server-first, but some servers fail early this way.
    const error = attrs.find((a) => a.startsWith('e='))
    if (error !== undefined) throw serverError(error.slice(2))
    // RFC 5802 §5.1: a mandatory extension we cannot know about must fail authentication.
    if (r?.startsWith('m=')) throw malformed('server-first has a mandatory extension (m=)')
    if (!r?.startsWith('r=') || !s?.startsWith('s=') || !i?.startsWith('i=')) {
      throw malformed('server-first must be r=...,s=...,i=...')
    }
    return {
      nonce: this.checkNonce(r.slice(2)),
      salt: checkSalt(s.slice(2)),
      iterations: this.checkIterations(i.slice(2))
    }
  }

  private checkNonce(nonce: string): string {
    if (!PRINTABLE.test(nonce)) throw malformed('server nonce is not printable')
    // The server must extend our nonce; anything else is a replay or a confused server.
    if (!nonce.startsWith(this.nonce) || nonce.length <= this.nonce.length) {
      throw new ScramError('nonce-mismatch', 'SCRAM server nonce does not extend the client nonce')
    }
    return nonce
  }

  private checkIterations(value: string): number {
    const n = Number(value)
    if (!POSITIVE_INT.test(value) || !Number.isSafeInteger(n)) throw malformed('iteration count is not an integer')
    if (n < this.minIterations) {
      throw new ScramError('iteration-count-too-low', `SCRAM iteration count ${n} is below ${this.minIterations}`)
    }
    if (n > this.maxIterations) {
      throw new ScramError('iteration-count-too-high', `SCRAM iteration count ${n} is above ${this.maxIterations}`)
    }
    return n
  }

  private async keysFor(salt: string, iterations: number): Promise<ScramKeys> {
    const cached = this.cachedKeys
    if (cached && cached.hash === this.hash && cached.iterations === iterations && sameSalt(cached.salt, salt)) {
      return { ...cached, salt }
    }
    const salted = await pbkdf2Async(this.password, Buffer.from(salt, 'base64'), iterations, DIGEST[this.hash])
    return {
      salt,
      iterations,
      hash: this.hash,
      clientKey: this.hmac(salted, 'Client Key'),
      serverKey: this.hmac(salted, 'Server Key')
    }
  }

  private clientProof(clientKey: Buffer, authMessage: string): Buffer {
    const storedKey = createHash(DIGEST[this.hash].name).update(clientKey).digest()
    const signature = this.hmac(storedKey, authMessage)
    const proof = Buffer.alloc(clientKey.length)
    for (let idx = 0; idx < proof.length; idx++) proof[idx] = (clientKey[idx] ?? 0) ^ (signature[idx] ?? 0)
    return proof
  }

  private hmac(key: Buffer, data: string): Buffer {
    return createHmac(DIGEST[this.hash].name, key).update(data, 'utf8').digest()
  }
}

/**
 * SASLprep (RFC 4013) as a query string: RFC 5802 §2.2 and RFC 4616 §2 allow unassigned code points.
 * Throws an Error naming `what` when the string contains prohibited characters or breaks the bidi rules.
 */
export function saslprepQuery(value: string, what: string): string {
  try {
    return saslprep(value, { allowUnassigned: true })
  } catch (err) {
    // @mongodb-js/saslprep 1.6.3 crashes with a TypeError (codePointAt of undefined) when every character
    // is mapped to nothing (e.g. a lone U+00AD); RFC 4013 says the result is then simply empty.
    if (err instanceof Error && err.name === 'TypeError') return ''
    throw new Error(`${what} is not allowed by SASLprep: ${(err as Error).message}`, { cause: err })
  }
}

function prepare(value: string, what: string, allowEmpty = false): string {
  const prepared = saslprepQuery(value, `SCRAM ${what}`)
  if (!allowEmpty && prepared === '') throw new Error(`SCRAM ${what} is empty`)
  return prepared
}

function escapeSaslName(name: string): string {
  // '=' first, otherwise the '=' introduced by '=2C' would be escaped again.
  return name.replaceAll('=', '=3D').replaceAll(',', '=2C')
}

function gs2HeaderFor(binding: ChannelBinding | null, clientSupportsBinding: boolean): string {
  if (binding) return `p=${binding.type},,`
  return clientSupportsBinding ? 'y,,' : 'n,,'
}

function randomNonce(): string {
  // 24 bytes encode to 32 base64 characters without padding; base64 never contains ','.
  return randomBytes(NONCE_BYTES).toString('base64')
}

function checkSalt(salt: string): string {
  if (salt === '' || !BASE64.test(salt)) throw malformed('salt is empty or not base64')
  return salt
}

function sameSalt(a: string, b: string): boolean {
  return BASE64.test(a) && Buffer.from(a, 'base64').equals(Buffer.from(b, 'base64'))
}

function pbkdf2Async(password: string, salt: Buffer, iterations: number, digest: { name: string; length: number }) {
  // The async form runs on libuv's threadpool, so a large count never stalls the main process.
  return new Promise<Buffer>((resolve, reject) => {
    pbkdf2(password, salt, iterations, digest.length, digest.name, (err, key) => (err ? reject(err) : resolve(key)))
  })
}

function malformed(detail: string): ScramError {
  return new ScramError('malformed', `malformed SCRAM message: ${detail}`)
}

function serverError(value: string): ScramError {
  return new ScramError('server-error', `SCRAM server error: ${value}`, value)
}

function badState(step: string): ScramError {
  return new ScramError('bad-state', `SCRAM ${step} called out of order`)
}
