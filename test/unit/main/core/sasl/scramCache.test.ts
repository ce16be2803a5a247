import { beforeEach, describe, expect, it, vi } from 'vitest'

// Pass-through spy on pbkdf2, so that we can prove cached keys skip it.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>()
  return { ...actual, pbkdf2: vi.fn(actual.pbkdf2) }
})

const { pbkdf2 } = await import('node:crypto')
const { ScramClient } = await import('../../../../../src/main/core/sasl/scram')
type ScramKeys = import('../../../../../src/main/core/sasl/scram').ScramKeys

const NONCE = 'rOprNGfwEbeRWgbNEkqO'
const SERVER_FIRST = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'
const CLIENT_FINAL =
  'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='
const SERVER_FINAL = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='

async function login(password: string, cachedKeys?: ScramKeys, serverFirst = SERVER_FIRST) {
  const c = new ScramClient({ hash: 'SHA-256', username: 'user', password, clientNonce: NONCE, cachedKeys })
  c.clientFirst()
  const final = await c.clientFinal(serverFirst)
  return { c, final }
}

describe('ScramClient: cached ClientKey/ServerKey (RFC 5802 §5.1)', () => {
  beforeEach(() => {
    vi.mocked(pbkdf2).mockClear()
  })

  it('computes PBKDF2 once without a cache', async () => {
    const { c, final } = await login('pencil')
    expect(final).toBe(CLIENT_FINAL)
    expect(pbkdf2).toHaveBeenCalledTimes(1)
    expect(c.keys).not.toBeNull()
  })

  it('skips PBKDF2 with matching keys and still produces the RFC 7677 result', async () => {
    const { c: first } = await login('pencil')
    const keys = first.keys
    if (!keys) throw new Error('no keys')
    vi.mocked(pbkdf2).mockClear()

    // The password is not needed any more: the keys are password-equivalent for this salt and count.
    const { c, final } = await login('', keys)
    expect(pbkdf2).not.toHaveBeenCalled()
    expect(final).toBe(CLIENT_FINAL)
    expect(() => c.verifyServerFinal(SERVER_FINAL)).not.toThrow()
    expect(c.keys?.clientKey.equals(keys.clientKey)).toBe(true)
  })

  it.each([
    ['another salt', { salt: 'QSXCR+Q6sek8bf92' }],
    ['another iteration count', { iterations: 8192 }],
    ['another hash', { hash: 'SHA-1' as const }]
  ])('recomputes when the cache is for %s', async (_name, change) => {
    const { c: first } = await login('pencil')
    const keys = first.keys
    if (!keys) throw new Error('no keys')
    vi.mocked(pbkdf2).mockClear()
    const { final } = await login('pencil', { ...keys, ...change })
    expect(pbkdf2).toHaveBeenCalledTimes(1)
    expect(final).toBe(CLIENT_FINAL)
  })

  it('still enforces the iteration limits with cached keys', async () => {
    const { c: first } = await login('pencil')
    const keys = first.keys
    if (!keys) throw new Error('no keys')
    const weak = SERVER_FIRST.replace('i=4096', 'i=1')
    await expect(login('', { ...keys, iterations: 1 }, weak)).rejects.toMatchObject({ reason: 'iteration-count-too-low' })
  })
})
