import { describe, expect, it } from 'vitest'
import { missingCase } from '../../../src/shared/util'
import { asAccountId, asMessageId } from '../../../src/shared/model/ids'

describe('missingCase', () => {
  it('throws naming the unhandled value', () => {
    expect(() => missingCase('surprise' as never)).toThrow('Unhandled case: "surprise"')
    expect(() => missingCase({ kind: 'x' } as never)).toThrow('Unhandled case: {"kind":"x"}')
  })
})

describe('branded ids', () => {
  it('are the plain strings at run time, so they survive structured cloning', () => {
    expect(asAccountId('acc-1')).toBe('acc-1')
    expect(asMessageId('m-1')).toBe('m-1')
    expect(structuredClone({ id: asMessageId('m-1') })).toEqual({ id: 'm-1' })
  })
})
