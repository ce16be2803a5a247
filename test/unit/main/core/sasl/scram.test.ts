import { createHash, createHmac, pbkdf2Sync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ScramClient, ScramError, type ScramErrorReason, type ScramOptions } from '../../../../../src/main/core/sasl/scram'

// RFC 5802 §5 and RFC 7677 §3: user "user", password "pencil".
const SHA1 = {
  nonce: 'fyko+d2lbbFgONRv9qkxdawL',
  serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
  clientFinal: 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
  serverFinal: 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ='
}
const SHA256 = {
  nonce: 'rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal:
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='
}

const SALT = 'QSXCR+Q6sek8bf92'

function client(overrides: Partial<ScramOptions> = {}): ScramClient {
  return new ScramClient({ hash: 'SHA-1', username: 'user', password: 'pencil', clientNonce: SHA1.nonce, ...overrides })
}

function serverFirst(i: number | string, nonce = `${SHA1.nonce}srv`, salt = SALT): string {
  return `r=${nonce},s=${salt},i=${i}`
}

async function rejection(run: () => Promise<unknown> | unknown): Promise<ScramError> {
  try {
    await run()
  } catch (err) {
    expect(err).toBeInstanceOf(ScramError)
    return err as ScramError
  }
  throw new Error('expected a ScramError')
}

async function expectReason(run: () => Promise<unknown> | unknown, reason: ScramErrorReason): Promise<ScramError> {
  const err = await rejection(run)
  expect(err.reason).toBe(reason)
  return err
}

/** Independent server-side computation, written from the RFC 5802 §3 formulas. */
function reference(o: { digest: 'sha1' | 'sha256'; password: string; salt: string; i: number; authMessage: string }) {
  const len = o.digest === 'sha1' ? 20 : 32
  const salted = pbkdf2Sync(Buffer.from(o.password, 'utf8'), Buffer.from(o.salt, 'base64'), o.i, len, o.digest)
  const hmac = (key: Buffer, msg: string) => createHmac(o.digest, key).update(msg).digest()
  const clientKey = hmac(salted, 'Client Key')
  const storedKey = createHash(o.digest).update(clientKey).digest()
  const signature = hmac(storedKey, o.authMessage)
  const proof = Buffer.from(clientKey.map((b, idx) => b ^ (signature[idx] ?? 0)))
  return { proof: proof.toString('base64'), serverSignature: hmac(hmac(salted, 'Server Key'), o.authMessage).toString('base64') }
}

describe('ScramClient: RFC test vectors', () => {
  it('reproduces RFC 5802 §5 (SCRAM-SHA-1)', async () => {
    const c = client()
    expect(c.mechanism).toBe('SCRAM-SHA-1')
    expect(c.clientFirst()).toBe('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL')
    expect(await c.clientFinal(SHA1.serverFirst)).toBe(SHA1.clientFinal)
    expect(() => c.verifyServerFinal(SHA1.serverFinal)).not.toThrow()
  })

  it('reproduces RFC 7677 §3 (SCRAM-SHA-256)', async () => {
    const c = client({ hash: 'SHA-256', clientNonce: SHA256.nonce })
    expect(c.mechanism).toBe('SCRAM-SHA-256')
    expect(c.clientFirst()).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO')
    expect(await c.clientFinal(SHA256.serverFirst)).toBe(SHA256.clientFinal)
    expect(() => c.verifyServerFinal(SHA256.serverFinal)).not.toThrow()
  })

  it('exposes the derived keys for caching', async () => {
    const c = client()
    expect(c.keys).toBeNull()
    c.clientFirst()
    await c.clientFinal(SHA1.serverFirst)
    expect(c.keys).toMatchObject({ salt: SALT, iterations: 4096, hash: 'SHA-1' })
    expect(c.keys?.clientKey).toHaveLength(20)
    expect(c.keys?.serverKey).toHaveLength(20)
  })

  it('tolerates unknown optional extensions after i= (e.g. XEP-0474 d=)', async () => {
    const c = client()
    c.clientFirst()
    const final = await c.clientFinal(`${SHA1.serverFirst},d=abc,x=1`)
    expect(final.startsWith('c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=')).toBe(true)
  })
})

describe('ScramClient: random nonce', () => {
  it('uses at least 24 random bytes, base64 without commas, different each time', () => {
    const a = new ScramClient({ hash: 'SHA-256', username: 'u', password: 'p' }).clientFirst()
    const b = new ScramClient({ hash: 'SHA-256', username: 'u', password: 'p' }).clientFirst()
    const nonce = a.split(',r=')[1] ?? ''
    expect(Buffer.from(nonce, 'base64').length).toBeGreaterThanOrEqual(24)
    expect(nonce).not.toContain(',')
    expect(a).not.toBe(b)
  })
})

describe('ScramClient: rejections', () => {
  async function finalFor(sf: string, overrides: Partial<ScramOptions> = {}): Promise<string> {
    const c = client(overrides)
    c.clientFirst()
    return c.clientFinal(sf)
  }

  it.each([
    ['empty message', ''],
    ['attributes out of order', `s=${SALT},r=${SHA1.nonce}srv,i=4096`],
    ['missing i', `r=${SHA1.nonce}srv,s=${SALT}`],
    ['missing s', `r=${SHA1.nonce}srv,i=4096`],
    ['mandatory extension m=', `m=ext,${serverFirst(4096)}`],
    ['empty salt', serverFirst(4096, `${SHA1.nonce}srv`, '')],
    ['salt not base64', serverFirst(4096, `${SHA1.nonce}srv`, 'not*base64')],
    ['salt with bad padding', serverFirst(4096, `${SHA1.nonce}srv`, 'QSXCR+Q6sek8bf9')],
    ['non-integer i', serverFirst('4096.5')],
    ['hex i', serverFirst('0x1000')],
    ['negative i', serverFirst('-4096')],
    ['empty i', serverFirst('')],
    ['huge i beyond safe integers', serverFirst('99999999999999999999')],
    ['nonce with non-printable character', serverFirst(4096, `${SHA1.nonce}\u00e9`)]
  ])('rejects server-first with %s as malformed', async (_name, sf) => {
    await expectReason(() => finalFor(sf), 'malformed')
  })

  it('rejects a server nonce that does not start with the client nonce', async () => {
    await expectReason(() => finalFor(serverFirst(4096, `X${SHA1.nonce}srv`)), 'nonce-mismatch')
  })

  it('rejects a server nonce equal to the client nonce (not longer)', async () => {
    await expectReason(() => finalFor(serverFirst(4096, SHA1.nonce)), 'nonce-mismatch')
  })

  it('rejects a truncated server nonce', async () => {
    await expectReason(() => finalFor(serverFirst(4096, SHA1.nonce.slice(0, 10))), 'nonce-mismatch')
  })

  it('rejects i=4095 and accepts i=4096 by default', async () => {
    const err = await expectReason(() => finalFor(serverFirst(4095)), 'iteration-count-too-low')
    expect(err.message).toContain('4095')
    await expect(finalFor(serverFirst(4096))).resolves.toMatch(/^c=biws,r=/)
  })

  it('rejects i=1 (a server or MITM making offline guessing cheap)', async () => {
    await expectReason(() => finalFor(serverFirst(1)), 'iteration-count-too-low')
  })

  it('honours minIterations and maxIterations', async () => {
    await expectReason(() => finalFor(serverFirst(4096), { minIterations: 10_000 }), 'iteration-count-too-low')
    await expect(finalFor(serverFirst(10_000), { minIterations: 10_000 })).resolves.toMatch(/^c=/)
    await expectReason(() => finalFor(serverFirst(5000), { maxIterations: 4999 }), 'iteration-count-too-high')
  })

  it('rejects i above the default maximum of 1,000,000', async () => {
    await expectReason(() => finalFor(serverFirst(1_000_001)), 'iteration-count-too-high')
  })

  it('surfaces e= in server-first as a server error', async () => {
    const err = await expectReason(() => finalFor('e=other-error'), 'server-error')
    expect(err.serverError).toBe('other-error')
  })

  it('surfaces e=invalid-proof in server-final', async () => {
    const c = client()
    c.clientFirst()
    await c.clientFinal(SHA1.serverFirst)
    const err = await expectReason(() => c.verifyServerFinal('e=invalid-proof'), 'server-error')
    expect(err.serverError).toBe('invalid-proof')
    expect(err.message).toContain('invalid-proof')
  })

  it.each([
    ['a different signature', 'v=rmF9pqV8S7suAoZWja4dJRkFsKA='],
    ['a truncated signature', 'v=rmF9pqV8S7suAoZWja4dJRkF'],
    ['the SHA-256 vector signature', SHA256.serverFinal],
    ['an empty signature', 'v=']
  ])('rejects a server-final with %s', async (_name, sf) => {
    const c = client()
    c.clientFirst()
    await c.clientFinal(SHA1.serverFirst)
    await expectReason(() => c.verifyServerFinal(sf), 'server-signature-mismatch')
  })

  it.each([
    ['no v=', 'x=rmF9pqV8S7suAoZWja4dJRkFsKQ='],
    ['v= not base64', 'v=rmF9pqV8S7suAoZWja4dJRk*sKQ='],
    ['an empty message', '']
  ])('rejects a server-final with %s as malformed', async (_name, sf) => {
    const c = client()
    c.clientFirst()
    await c.clientFinal(SHA1.serverFirst)
    await expectReason(() => c.verifyServerFinal(sf), 'malformed')
  })

  it('accepts extensions after v=', async () => {
    const c = client()
    c.clientFirst()
    await c.clientFinal(SHA1.serverFirst)
    expect(() => c.verifyServerFinal(`${SHA1.serverFinal},x=1`)).not.toThrow()
  })
})

describe('ScramClient: state', () => {
  it('refuses verifyServerFinal before clientFinal', async () => {
    const c = client()
    c.clientFirst()
    await expectReason(() => c.verifyServerFinal(SHA1.serverFinal), 'bad-state')
  })

  it('refuses clientFinal before clientFirst', async () => {
    await expectReason(() => client().clientFinal(SHA1.serverFirst), 'bad-state')
  })

  it('refuses a second clientFinal, also while the first is running', async () => {
    const c = client()
    c.clientFirst()
    const first = c.clientFinal(SHA1.serverFirst)
    await expectReason(() => c.clientFinal(SHA1.serverFirst), 'bad-state')
    await first
    await expectReason(() => c.clientFinal(SHA1.serverFirst), 'bad-state')
  })

  it('cannot be verified twice, nor after a failed check', async () => {
    const ok = client()
    ok.clientFirst()
    await ok.clientFinal(SHA1.serverFirst)
    ok.verifyServerFinal(SHA1.serverFinal)
    await expectReason(() => ok.verifyServerFinal(SHA1.serverFinal), 'bad-state')

    const bad = client()
    bad.clientFirst()
    await bad.clientFinal(SHA1.serverFirst)
    await expectReason(() => bad.verifyServerFinal('v=AAAA'), 'server-signature-mismatch')
    // A retry with the right value must not turn a failed session into a success.
    await expectReason(() => bad.verifyServerFinal(SHA1.serverFinal), 'bad-state')
  })

  it('cannot continue after a rejected server-first', async () => {
    const c = client()
    c.clientFirst()
    await expectReason(() => c.clientFinal(serverFirst(1)), 'iteration-count-too-low')
    await expectReason(() => c.clientFinal(SHA1.serverFirst), 'bad-state')
  })
})

describe('ScramClient: username and password preparation', () => {
  it('escapes "=" and "," in the username (= first)', () => {
    expect(client({ username: 'a,b=c' }).clientFirst()).toBe(`n,,n=a=2Cb=3Dc,r=${SHA1.nonce}`)
    expect(client({ username: '=2C' }).clientFirst()).toBe(`n,,n==3D2C,r=${SHA1.nonce}`)
  })

  it('SASLprep-maps the username (NFKC, soft hyphen removed)', () => {
    expect(client({ username: 'us\u00ADer' }).clientFirst()).toBe(`n,,n=user,r=${SHA1.nonce}`)
    expect(client({ username: '\uff55ser' }).clientFirst()).toBe(`n,,n=user,r=${SHA1.nonce}`)
  })

  it('rejects usernames and passwords that SASLprep prohibits, and an empty username', () => {
    expect(() => client({ username: 'us\u0007er' })).toThrow(/username/)
    expect(() => client({ password: 'pen\u0000cil' })).toThrow(/password/)
    expect(() => client({ username: '\u00AD' })).toThrow(/empty/)
  })

  it('treats a password that maps to nothing as empty (works around a saslprep crash)', async () => {
    const hyphenOnly = client({ password: '\u00AD' })
    const empty = client({ password: '' })
    hyphenOnly.clientFirst()
    empty.clientFirst()
    expect(await hyphenOnly.clientFinal(SHA1.serverFirst)).toBe(await empty.clientFinal(SHA1.serverFirst))
  })

  it('maps "I\\u00ADX" to "IX" before PBKDF2', async () => {
    const withHyphen = client({ password: 'I\u00ADX' })
    const plain = client({ password: 'IX' })
    withHyphen.clientFirst()
    plain.clientFirst()
    expect(await withHyphen.clientFinal(SHA1.serverFirst)).toBe(await plain.clientFinal(SHA1.serverFirst))
  })

  it('maps a full-width password to ASCII (NFKC): "ｐｅｎｃｉｌ" reproduces the RFC vector', async () => {
    const c = client({ password: '\uff50\uff45\uff4e\uff43\uff49\uff4c' })
    c.clientFirst()
    expect(await c.clientFinal(SHA1.serverFirst)).toBe(SHA1.clientFinal)
  })

  it('leaves a Chinese password unchanged and hashes its UTF-8 bytes', async () => {
    const password = '\u5bc6\u7801\u6d4b\u8bd5' // 密码测试
    const c = client({ hash: 'SHA-256', password, clientNonce: SHA256.nonce })
    const first = c.clientFirst()
    const final = await c.clientFinal(SHA256.serverFirst)
    const withoutProof = final.slice(0, final.indexOf(',p='))
    const authMessage = `${first.slice(3)},${SHA256.serverFirst},${withoutProof}`
    const ref = reference({ digest: 'sha256', password, salt: 'W22ZaJ0SNY7soEsUEjb6gQ==', i: 4096, authMessage })
    expect(final).toBe(`${withoutProof},p=${ref.proof}`)
    expect(() => c.verifyServerFinal(`v=${ref.serverSignature}`)).not.toThrow()
  })
})

describe('ScramClient: GS2 header and channel binding', () => {
  it('sends "y,," and c=eSws when we could bind but the server offers no -PLUS', async () => {
    const c = client({ clientSupportsBinding: true })
    expect(c.mechanism).toBe('SCRAM-SHA-1')
    const first = c.clientFirst()
    expect(first).toBe(`y,,n=user,r=${SHA1.nonce}`)
    const final = await c.clientFinal(SHA1.serverFirst)
    expect(final).toMatch(/^c=eSws,r=/)
    expect(Buffer.from('eSws', 'base64').toString()).toBe('y,,')
    const withoutProof = final.slice(0, final.indexOf(',p='))
    const ref = reference({
      digest: 'sha1',
      password: 'pencil',
      salt: SALT,
      i: 4096,
      authMessage: `${first.slice(3)},${SHA1.serverFirst},${withoutProof}`
    })
    expect(final).toBe(`${withoutProof},p=${ref.proof}`)
    expect(() => c.verifyServerFinal(`v=${ref.serverSignature}`)).not.toThrow()
  })

  it('sends "p=tls-exporter,," and c=base64(header + binding data) with -PLUS', async () => {
    const data = Buffer.from(Array.from({ length: 32 }, (_, i) => i))
    const c = client({ hash: 'SHA-256', channelBinding: { type: 'tls-exporter', data }, clientNonce: SHA256.nonce })
    expect(c.mechanism).toBe('SCRAM-SHA-256-PLUS')
    const first = c.clientFirst()
    expect(first).toBe(`p=tls-exporter,,n=user,r=${SHA256.nonce}`)
    const final = await c.clientFinal(SHA256.serverFirst)
    const expectedC = Buffer.concat([Buffer.from('p=tls-exporter,,'), data]).toString('base64')
    expect(final.startsWith(`c=${expectedC},r=`)).toBe(true)
    // The authMessage covers the binding, so the proof differs from the unbound vector.
    expect(final).not.toBe(SHA256.clientFinal)
    const withoutProof = final.slice(0, final.indexOf(',p='))
    const ref = reference({
      digest: 'sha256',
      password: 'pencil',
      salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
      i: 4096,
      authMessage: `${first.slice('p=tls-exporter,,'.length)},${SHA256.serverFirst},${withoutProof}`
    })
    expect(final).toBe(`${withoutProof},p=${ref.proof}`)
    expect(() => c.verifyServerFinal(`v=${ref.serverSignature}`)).not.toThrow()
  })

  it('names the binding type in the header (tls-server-end-point)', () => {
    const c = client({ channelBinding: { type: 'tls-server-end-point', data: Buffer.alloc(32) } })
    expect(c.mechanism).toBe('SCRAM-SHA-1-PLUS')
    expect(c.clientFirst()).toBe(`p=tls-server-end-point,,n=user,r=${SHA1.nonce}`)
  })

  it('binding wins over clientSupportsBinding', () => {
    const c = client({ clientSupportsBinding: true, channelBinding: { type: 'tls-unique', data: Buffer.alloc(12) } })
    expect(c.clientFirst().startsWith('p=tls-unique,,')).toBe(true)
  })
})

describe('ScramClient: PBKDF2 off the event loop', () => {
  it('keeps the event loop responsive during a 1,000,000-iteration clientFinal', async () => {
    const c = client({ hash: 'SHA-256', clientNonce: SHA256.nonce })
    c.clientFirst()
    let ticks = 0
    const timer = setInterval(() => ticks++, 5)
    let immediateFired = false
    let resolved = false
    setImmediate(() => {
      immediateFired = true
      expect(resolved).toBe(false)
    })
    const started = performance.now()
    try {
      await c.clientFinal(`r=${SHA256.nonce}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1000000`)
      resolved = true
    } finally {
      clearInterval(timer)
    }
    const elapsed = performance.now() - started
    expect(immediateFired).toBe(true)
    // At least a third of the 5 ms slots fired, so nothing held the loop for the whole computation.
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 5 / 3))
    expect(ticks).toBeGreaterThan(2)
  }, 30_000)
})
