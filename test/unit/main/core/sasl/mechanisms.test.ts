import { describe, expect, it } from 'vitest'
import { chooseMechanism, isPlus, scramHashOf } from '../../../../../src/main/core/sasl/mechanisms'

const ALL = ['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-1-PLUS', 'SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS']
const SECURE_BIND = { secure: true, canBind: true }
const SECURE = { secure: true, canBind: false }

describe('chooseMechanism', () => {
  it.each([
    ['everything, can bind', ALL, SECURE_BIND, 'SCRAM-SHA-256-PLUS'],
    ['everything, cannot bind', ALL, SECURE, 'SCRAM-SHA-256'],
    ['SHA-1-PLUS beats plain SHA-256 when binding', ['SCRAM-SHA-256', 'SCRAM-SHA-1-PLUS'], SECURE_BIND, 'SCRAM-SHA-1-PLUS'],
    ['SHA-1-PLUS ignored without binding', ['SCRAM-SHA-1', 'SCRAM-SHA-1-PLUS'], SECURE, 'SCRAM-SHA-1'],
    ['only -PLUS offered, cannot bind', ['SCRAM-SHA-256-PLUS'], SECURE, null],
    ['SHA-256 over SHA-1, order of the offer irrelevant', ['SCRAM-SHA-1', 'SCRAM-SHA-256'], SECURE_BIND, 'SCRAM-SHA-256'],
    ['SHA-1 alone', ['SCRAM-SHA-1'], SECURE, 'SCRAM-SHA-1'],
    ['PLAIN refused when SCRAM present', ['PLAIN', 'SCRAM-SHA-1'], SECURE, 'SCRAM-SHA-1'],
    ['PLAIN refused when only -PLUS SCRAM present and we cannot bind', ['PLAIN', 'SCRAM-SHA-1-PLUS'], SECURE, null],
    ['PLAIN accepted when alone and secure', ['PLAIN'], SECURE, 'PLAIN'],
    ['PLAIN accepted beside unknown mechanisms', ['X-OAUTH2', 'PLAIN', 'SCRAM-SHA-512'], SECURE, 'PLAIN'],
    ['nothing when insecure, even SCRAM', ALL, { secure: false, canBind: true }, null],
    ['nothing when insecure, PLAIN alone', ['PLAIN'], { secure: false, canBind: false }, null],
    ['unknown mechanisms ignored', ['EXTERNAL', 'ANONYMOUS', 'DIGEST-MD5', 'SCRAM-SHA-512'], SECURE_BIND, null],
    ['names are case-sensitive', ['scram-sha-256', 'plain'], SECURE_BIND, null],
    ['empty offer', [], SECURE_BIND, null]
  ])('%s', (_name, offered, ctx, expected) => {
    expect(chooseMechanism(offered, ctx)).toBe(expected)
  })
})

describe('scramHashOf / isPlus', () => {
  it.each([
    ['SCRAM-SHA-1', 'SHA-1', false],
    ['SCRAM-SHA-1-PLUS', 'SHA-1', true],
    ['SCRAM-SHA-256', 'SHA-256', false],
    ['SCRAM-SHA-256-PLUS', 'SHA-256', true],
    ['SCRAM-SHA-512', null, false],
    ['PLAIN', null, false],
    ['scram-sha-256-plus', null, false]
  ])('%s', (mech, hash, plus) => {
    expect(scramHashOf(mech)).toBe(hash)
    expect(isPlus(mech)).toBe(plus)
  })
})
