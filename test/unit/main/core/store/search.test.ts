import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type MessageStore } from '../../../../../src/main/core/store/MessageStore'
import { fold, highlight, parseQuery, searchText, snippet } from '../../../../../src/main/core/store/search'
import { ACCOUNT, HOUR, PEER, T0, incoming, memoryStore, outgoing } from './helpers'

let store: MessageStore
afterEach(() => store?.close())

const texts = (q: Parameters<MessageStore['search']>[0]) => store.search(q).map((h) => h.body)

describe('searchText and parseQuery', () => {
  it('indexes CJK runs as bigrams plus the last character, and leaves Latin text to the tokenizer', () => {
    expect(searchText('北京烤鸭')).toBe('北京 京烤 烤鸭 鸭')
    expect(searchText('我在用iPhone15拍照')).toBe('我在 在用 用 iPhone15 拍照 照')
    expect(searchText('猫')).toBe('猫')
    // NFKC: full-width Latin and half-width katakana fold before indexing.
    expect(searchText('ＣＡＦＥ ｶﾀｶﾅ')).toBe('CAFE  カタ タカ カナ ナ')
    expect(searchText('good 👍 idea')).toBe('good  👍  idea')
  })

  it('quotes every term, so query syntax is only text', () => {
    expect(parseQuery('北京')?.match).toBe('{body} : ("北京")')
    expect(parseQuery('北京烤鸭')?.match).toBe('{body} : ("北京 京烤 烤鸭")')
    expect(parseQuery('京')?.match).toBe('{body} : ("京"*)')
    expect(parseQuery('Café au')?.match).toBe('{body} : ("Café" AND "au")')
    expect(parseQuery('coff')?.match).toBe('{body} : ("coff"*)')
    expect(parseQuery('coff ')?.match).toBe('{body} : ("coff")')
    expect(parseQuery('say "hi" OR NEAR(x) col:y *')?.match).toBe('{body} : ("say" AND "hi" AND "OR" AND "NEAR x" AND "col y"*)')
    for (const empty of ['', '   ', '"', '*', '()', '-', '\u0000\u202e']) expect(parseQuery(empty)).toBeNull()
  })

  it('finds where the terms are, case- and accent-blind, on word starts for Latin text', () => {
    const q = parseQuery('cafe zur')!
    expect(highlight('Ein Café in Zürich, encafe', q.terms)).toEqual([
      [4, 8],
      [12, 15]
    ])
    expect(highlight('我们明天去北京吃烤鸭', parseQuery('北京')!.terms)).toEqual([[5, 7]])
    expect(fold('ÅNGSTRÖM ＡＢＣ')).toBe('angstrom abc')
  })

  it('cuts a snippet around the first match without splitting a surrogate pair', () => {
    const body = `${'😀'.repeat(60)}needle ${'x'.repeat(300)}`
    const ranges = highlight(body, parseQuery('needle ')!.terms)
    const s = snippet(body, ranges)
    expect(s.text.startsWith('…')).toBe(true)
    expect(s.text.endsWith('…')).toBe(true)
    expect(s.text.isWellFormed()).toBe(true)
    const [start, end] = s.ranges[0]!
    expect(s.text.slice(start, end)).toBe('needle')
  })
})

describe('MessageStore.search', () => {
  beforeEach(() => {
    store = memoryStore()
    store.insert([
      incoming({ body: '我们明天去北京吃烤鸭', at: T0 + 1000 }),
      incoming({ body: '今日は東京へ行きます', at: T0 + 2000 }),
      incoming({ body: 'Let us meet at the CAFE near the station', at: T0 + 3000 }),
      outgoing({ body: 'Das Café in Zürich ist schön', at: T0 + 4000, state: 'acked' }),
      incoming({ body: '我在用iPhone拍照，去東京玩', at: T0 + 5000 }),
      incoming({ body: '咖啡店在哪里？', at: T0 + 6000 }),
      incoming({ body: '東京タワーを見た', at: T0 + 7000 }),
      incoming({ body: '深圳市南山区科技园', at: T0 + 8000 }),
      incoming({ account: 'acc-2', peer: 'carol@example.org', from: 'carol@example.org/x', body: '北京的天气很好', at: T0 + 9000 }),
      incoming({ peer: 'dave@example.org', from: 'dave@example.org/x', body: 'café crème', at: T0 + 10_000 })
    ])
  })

  it('finds a Chinese word in the middle of a sentence, newest first, across accounts', () => {
    expect(texts({ text: '北京' })).toEqual(['北京的天气很好', '我们明天去北京吃烤鸭'])
    expect(texts({ text: '烤鸭' })).toEqual(['我们明天去北京吃烤鸭'])
  })

  it('finds words that dictionary segmentation would glue into longer words', () => {
    expect(texts({ text: '咖啡' })).toEqual(['咖啡店在哪里？'])
    expect(texts({ text: '南山' })).toEqual(['深圳市南山区科技园'])
    expect(texts({ text: '東京' })).toEqual(['東京タワーを見た', '我在用iPhone拍照，去東京玩', '今日は東京へ行きます'])
  })

  it('finds a single character and a Japanese word', () => {
    expect(texts({ text: '鸭' })).toEqual(['我们明天去北京吃烤鸭'])
    expect(texts({ text: '行きます' })).toEqual(['今日は東京へ行きます'])
  })

  it('finds English regardless of case and diacritics, and a prefix while typing', () => {
    expect(texts({ text: 'cafe' })).toEqual(['café crème', 'Das Café in Zürich ist schön', 'Let us meet at the CAFE near the station'])
    expect(texts({ text: 'CAFÉ' })).toHaveLength(3)
    expect(texts({ text: 'zurich' })).toEqual(['Das Café in Zürich ist schön'])
    expect(texts({ text: 'stat' })).toEqual(['Let us meet at the CAFE near the station'])
    expect(texts({ text: 'stat ' })).toEqual([])
  })

  it('finds mixed-script messages with mixed-script queries', () => {
    expect(texts({ text: 'iphone 東京' })).toEqual(['我在用iPhone拍照，去東京玩'])
    expect(texts({ text: 'iPhone拍照' })).toEqual(['我在用iPhone拍照，去東京玩'])
    expect(texts({ text: '北京 cafe' })).toEqual([])
  })

  it('filters by account, by chat and by date range', () => {
    expect(texts({ text: '北京', account: 'acc-2' })).toEqual(['北京的天气很好'])
    expect(texts({ text: '北京', account: ACCOUNT })).toEqual(['我们明天去北京吃烤鸭'])
    expect(texts({ text: 'cafe', account: ACCOUNT, peer: PEER })).toEqual(['Das Café in Zürich ist schön', 'Let us meet at the CAFE near the station'])
    expect(texts({ text: 'cafe', peer: 'dave@example.org' })).toEqual(['café crème'])
    expect(texts({ text: '北京', peer: 'carol@example.org' })).toEqual(['北京的天气很好'])
    expect(texts({ text: '北京', account: 'acc-2', peer: PEER })).toEqual([])
    expect(texts({ text: '北京', account: 'nobody' })).toEqual([])
    expect(texts({ text: '東京', since: T0 + 2000, until: T0 + 5000 })).toEqual(['我在用iPhone拍照，去東京玩', '今日は東京へ行きます'])
    expect(texts({ text: '東京', since: T0 + 2001 })).toEqual(['東京タワーを見た', '我在用iPhone拍照，去東京玩'])
    expect(texts({ text: '東京', until: T0 + 1999 })).toEqual([])
  })

  it('pages with the cursor of the last hit', () => {
    const first = store.search({ text: '東京', limit: 2 })
    expect(first.map((h) => h.body)).toEqual(['東京タワーを見た', '我在用iPhone拍照，去東京玩'])
    const next = store.search({ text: '東京', limit: 2, before: first[1]!.cursor })
    expect(next.map((h) => h.body)).toEqual(['今日は東京へ行きます'])
    expect(store.search({ text: '東京', limit: 2, before: next[0]!.cursor })).toEqual([])
  })

  it('orders by server time even when the archive delivered older messages later', () => {
    store.insert([incoming({ body: '北京 old news', at: T0 - HOUR })])
    expect(texts({ text: '北京' })).toEqual(['北京的天气很好', '我们明天去北京吃烤鸭', '北京 old news'])
  })

  it('returns hits with where the match is', () => {
    const [hit] = store.search({ text: '北京', account: ACCOUNT })
    expect(hit).toMatchObject({ account: ACCOUNT, peer: PEER, from: `${PEER}/phone`, direction: 'in', at: T0 + 1000, ranges: [[5, 7]] })
    expect(hit!.snippet).toEqual({ text: '我们明天去北京吃烤鸭', ranges: [[5, 7]] })
    expect(store.get(ACCOUNT, hit!.rowId)?.body).toBe('我们明天去北京吃烤鸭')
  })

  it('treats query syntax in user input as text and never throws', () => {
    for (const q of ['"', '*', 'NEAR(', 'NEAR(a b', 'a OR b', 'a AND', 'body:x', '{meta}:c1', '^start', 'c1', 'a1', "'; DROP TABLE messages; --", '(((', ')', '-', '+', '\u0000', '\uD800', '\u202E']) {
      expect(() => store.search({ text: q }), q).not.toThrow()
    }
    // Meta tokens are not reachable from the body column.
    expect(store.search({ text: 'c1' })).toEqual([])
    expect(store.search({ text: '{meta}:c1' })).toEqual([])
    store.insert([incoming({ body: 'say "hello" * NEAR(x)' })])
    expect(texts({ text: '"hello"' })).toEqual(['say "hello" * NEAR(x)'])
    expect(texts({ text: 'NEAR(' })).toEqual(['say "hello" * NEAR(x)', 'Let us meet at the CAFE near the station'])
    expect(store.page(ACCOUNT, PEER).length).toBeGreaterThan(0)
  })

  it('validates the limit and the cursor', () => {
    expect(store.search({ text: '東京', limit: 1 })).toHaveLength(1)
    expect(store.search({ text: '東京', limit: -5 })).toHaveLength(1)
    expect(store.search({ text: 'e', limit: 10_000 }).length).toBeLessThanOrEqual(200)
    expect(() => store.search({ text: '東京', before: 1.5 })).toThrow(/cursor/)
  })
})
