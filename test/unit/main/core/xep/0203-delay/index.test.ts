import { describe, expect, it } from 'vitest'
import { xml } from '../../../../../../src/main/core/xml'
import { delayedAt, NS_DELAY } from '../../../../../../src/main/core/xep/0203-delay'

const delay = (attrs: Record<string, string>) => xml('delay', { xmlns: NS_DELAY, ...attrs })
const trustServer = (by: string) => by === 'capulet.com'

describe('XEP-0203 delayed delivery', () => {
  it('reads a stamp from a trusted entity', () => {
    expect(delayedAt(xml('message', {}, delay({ from: 'capulet.com', stamp: '2002-09-10T23:08:25Z' })), trustServer)).toBe(Date.UTC(2002, 8, 10, 23, 8, 25))
  })

  it('reads fractions of a second and offsets', () => {
    expect(delayedAt(xml('message', {}, delay({ from: 'capulet.com', stamp: '2002-09-10T23:08:25.123Z' })), trustServer)).toBe(Date.UTC(2002, 8, 10, 23, 8, 25, 123))
    expect(delayedAt(xml('message', {}, delay({ from: 'capulet.com', stamp: '2002-09-10T23:08:25+02:00' })), trustServer)).toBe(Date.UTC(2002, 8, 10, 21, 8, 25))
  })

  it('asks about a delay without from as the empty string (the sender could have written it)', () => {
    const m = xml('message', {}, delay({ stamp: '1990-01-01T00:00:00Z' }))
    expect(delayedAt(m, trustServer)).toBeNull()
    expect(delayedAt(m, (by) => by === '')).toBe(Date.UTC(1990, 0, 1))
  })

  it('ignores a delay from an untrusted entity and uses the next trusted one', () => {
    const m = xml('message', {}, delay({ from: 'evil.example', stamp: '1990-01-01T00:00:00Z' }), delay({ from: 'capulet.com', stamp: '2002-09-10T23:08:25Z' }))
    expect(delayedAt(m, trustServer)).toBe(Date.UTC(2002, 8, 10, 23, 8, 25))
    expect(delayedAt(xml('message', {}, delay({ from: 'evil.example', stamp: '1990-01-01T00:00:00Z' })), trustServer)).toBeNull()
  })

  it('passes the from attribute to the trust check', () => {
    const asked: string[] = []
    delayedAt(xml('message', {}, delay({ from: 'juliet@capulet.com/balcony', stamp: '2002-09-10T23:08:25Z' })), (by) => {
      asked.push(by)
      return true
    })
    expect(asked).toEqual(['juliet@capulet.com/balcony'])
  })

  it('ignores an invalid or missing stamp', () => {
    expect(delayedAt(xml('message', {}, delay({ from: 'capulet.com', stamp: 'not a date' })), trustServer)).toBeNull()
    expect(delayedAt(xml('message', {}, delay({ from: 'capulet.com' })), trustServer)).toBeNull()
    const m = xml('message', {}, delay({ from: 'capulet.com', stamp: 'garbage' }), delay({ from: 'capulet.com', stamp: '2002-09-10T23:08:25Z' }))
    expect(delayedAt(m, trustServer)).toBe(Date.UTC(2002, 8, 10, 23, 8, 25))
  })

  it('ignores the legacy jabber:x:delay namespace and returns null without a delay', () => {
    expect(delayedAt(xml('message', {}, xml('x', { xmlns: 'jabber:x:delay', stamp: '20020910T23:08:25' })), () => true)).toBeNull()
    expect(delayedAt(xml('message', {}, xml('body', {}, 'x')), () => true)).toBeNull()
  })
})
