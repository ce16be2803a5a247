import { describe, expect, it } from 'vitest'
import { mentionsNick } from '../../../../../../src/main/core/xep/0045-muc/mention'

describe('mentionsNick', () => {
  it.each([
    ['Juliet, art thou there?', 'juliet'],
    ['hi @Juliet', 'Juliet'],
    ['JULIET!', 'Juliet'],
    ["juliet's balcony", 'Juliet'],
    ['(juliet)', 'juliet'],
    ['ask juliet', 'juliet'],
    ['Ask Juliet Capulet', 'Juliet Capulet'],
    ['ping [bot]', '[bot]'],
    ['a.b: hello', 'a.b'],
    ['ÉLODIE tu es là ?', 'élodie'],
  ])('%j mentions %j', (body, nick) => {
    expect(mentionsNick(body, nick)).toBe(true)
  })

  it.each([
    ['Julieta is here', 'Juliet'],
    ['myjuliet', 'juliet'],
    ['juliet2 is a bot', 'juliet'],
    ['julie', 'juliet'],
    ['anything', ''],
    ['anything', '   '],
    ['', 'juliet'],
    ['abc', 'a.c'] // the dot is not a wildcard
  ])('%j does not mention %j', (body, nick) => {
    expect(mentionsNick(body, nick)).toBe(false)
  })

  it('finds CJK nicks inside text written without spaces', () => {
    expect(mentionsNick('小明你好', '小明')).toBe(true)
    expect(mentionsNick('今天小明来了吗', '小明')).toBe(true)
    expect(mentionsNick('さくらさん、こんにちは', 'さくら')).toBe(true)
    expect(mentionsNick('@田中 見て', '田中')).toBe(true)
    expect(mentionsNick('你好', '小明')).toBe(false)
  })

  it('a Latin nick next to CJK text still counts, a Hangul one needs spacing like Latin', () => {
    expect(mentionsNick('Bob你好', 'bob')).toBe(true)
    expect(mentionsNick('민수 안녕', '민수')).toBe(true)
    expect(mentionsNick('민수야', '민수')).toBe(false)
  })

  it('handles emoji and astral characters at the edges', () => {
    expect(mentionsNick('hey 🦊fox🦊', 'fox')).toBe(true)
    expect(mentionsNick('𝒜lice', 'lice')).toBe(false)
    expect(mentionsNick('hi 🦊', '🦊')).toBe(true)
  })

  it('compares composed and decomposed forms alike', () => {
    expect(mentionsNick('Rene\u0301 ?', 'Ren\u00e9')).toBe(true)
  })
})
