// Message store at scale: a file database with 1,000,000 messages (40% Chinese, 10% Japanese,
// 50% English; 200 conversations, one of them 100,000 messages long; 3 accounts) inserted in
// batches of 1,000, then search latency, opening and scrolling the big conversation, and the size
// on disk. Text comes from small word lists with a Zipf-like spread, so common words are common.
// Run: npx tsx scripts/bench/store.ts   (about two minutes on 2 cores)
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { MessageStore, type StoredMessageInput } from '../../src/main/core/store/MessageStore'
import { median, printTable, type Row } from './table'

const TOTAL = Number(process.env['STORE_BENCH_MESSAGES'] ?? 1_000_000)
const BATCH = 1_000
const CONVERSATIONS = 200
const ACCOUNTS = 3
const BIG_SHARE = 0.1 // one conversation gets 10% of all messages: 100,000 of 1,000,000
const QUERIES = 20
const START = Date.UTC(2024, 0, 1)
const SPAN = 2 * 365 * 86_400_000

// Word lists. Chinese: common words first (Zipf weights favour the head).
const ZH = (
  '我 的 你 是 了 不 在 他 我们 好 有 这 就 也 人 都 说 要 去 吃 明天 今天 没有 什么 时候 知道 可以 一起 朋友 工作 ' +
  '晚上 下午 上午 时间 现在 已经 觉得 喜欢 问题 公司 开会 电话 手机 消息 回家 学校 老师 学生 北京 上海 深圳 广州 ' +
  '天气 下雨 周末 电影 音乐 咖啡 米饭 面条 火锅 飞机 高铁 酒店 机场 地铁 医院 银行 超市 快递 项目 文件 邮件 会议 ' +
  '报告 客户 经理 同事 老板 孩子 父母 生日 礼物 照片 视频 游戏 比赛 足球 篮球 跑步 健身 旅游 签证 护照 行李 房间 ' +
  '厨房 冰箱 空调 电脑 网络 密码 账号 软件 更新 版本 错误 测试 代码 服务器 数据 备份 安全 隐私 加密 聊天 群组'
).split(' ')
const ZH_RARE = '烤鸭 熊猫 长城 故宫 西湖 黄山 桂林 敦煌 拉萨 丽江 凤凰 乌镇 鼓浪屿 兵马俑 九寨沟 张家界 布达拉宫 少林寺 洱海 泸沽湖'.split(' ')
const JA =
  '私 は が を に で と の です ます 今日 明日 東京 大阪 京都 行きます 食べます 会社 電車 駅 友達 先生 学校 天気 雨 ' +
  '映画 音楽 写真 仕事 会議 時間 ありがとう よろしく お願いします すみません 大丈夫 楽しい 美味しい ラーメン 寿司 ' +
  'コーヒー スマートフォン パソコン メール 電話 週末 旅行 ホテル 空港 新幹線 北海道 沖縄 富士山 桜 猫 犬'
const JA_WORDS = JA.split(' ')
const EN = (
  'the to and a of I you it is in that for we on this be with have are not at do was but so can will just what ' +
  'my me get all your if about out up no go like know there one think time when see he they how now would good ' +
  'meeting tomorrow today tonight morning coffee lunch dinner call email project report client office train flight ' +
  'hotel airport weekend movie music photo video game match server backup password update version release bug test ' +
  'build deploy review design budget invoice contract schedule deadline holiday birthday party family friends kids ' +
  'weather rain snow sunny traffic parking station ticket booking restaurant menu pizza sushi ramen café naïve résumé ' +
  'Zürich München São Paulo Kraków Reykjavík fiancé rendezvous déjà vu jalapeño piñata façade crème brûlée'
).split(' ')

// Deterministic PRNG (mulberry32), so every run measures the same data.
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const random = rng(42)
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
/** Zipf-like: index ~ 1/rank, by sampling a squared uniform. */
const zipf = <T>(xs: readonly T[]): T => xs[Math.floor(random() ** 2 * xs.length)]!

function chinese(): string {
  const n = 4 + Math.floor(random() * 10)
  let s = ''
  for (let i = 0; i < n; i++) s += random() < 0.00015 ? pick(ZH_RARE) : zipf(ZH)
  return s + (random() < 0.5 ? '。' : '！')
}
function japanese(): string {
  const n = 4 + Math.floor(random() * 8)
  let s = ''
  for (let i = 0; i < n; i++) s += zipf(JA_WORDS)
  return s + '。'
}
function english(): string {
  const n = 3 + Math.floor(random() * 14)
  const words: string[] = []
  for (let i = 0; i < n; i++) words.push(zipf(EN))
  const s = words.join(' ')
  return s.charAt(0).toUpperCase() + s.slice(1) + (random() < 0.2 ? '?' : '.')
}
function body(): string {
  const r = random()
  return r < 0.4 ? chinese() : r < 0.5 ? japanese() : english()
}

const accountOf = (conv: number): string => `account-${conv % ACCOUNTS}`
const peerOf = (conv: number): string => `contact${conv}@example.org`

function message(i: number): StoredMessageInput {
  const conv = random() < BIG_SHARE ? 0 : 1 + Math.floor(random() * (CONVERSATIONS - 1))
  const out = random() < 0.4
  // Mostly in time order, with a few late arrivals (archive catch-up) up to a day back.
  const at = START + Math.floor((i / TOTAL) * SPAN) - (random() < 0.02 ? Math.floor(random() * 86_400_000) : 0)
  const id = `m${i}-${Math.floor(random() * 1e9).toString(36)}`
  const modern = random() < 0.8
  return {
    account: accountOf(conv),
    peer: peerOf(conv),
    direction: out ? 'out' : 'in',
    from: out ? `me${conv % ACCOUNTS}@example.org/desktop` : `${peerOf(conv)}/phone`,
    id,
    ...(modern ? { originId: id } : {}),
    stanzaId: `s${i}`,
    stanzaIdBy: `me${conv % ACCOUNTS}@example.org`,
    body: body(),
    at,
    receivedAt: at,
    state: out ? 'acked' : 'received'
  }
}

function time(fn: () => unknown): number {
  const t = performance.now()
  fn()
  return performance.now() - t
}

const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)] ?? 0

function latencyRows(what: string, samples: number[]): Row[] {
  return [
    { what: `${what} (median)`, value: median(samples), unit: 'ms' },
    { what: `${what} (p95)`, value: p95(samples), unit: 'ms' }
  ]
}

function dirSize(dir: string): number {
  return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0)
}

export async function benchStore(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-store-bench-'))
  const path = join(dir, 'messages.db')
  const rows: Row[] = []
  try {
    let store = MessageStore.open(path)
    // Insert.
    const started = performance.now()
    for (let i = 0; i < TOTAL; i += BATCH) {
      const batch: StoredMessageInput[] = []
      for (let k = i; k < Math.min(TOTAL, i + BATCH); k++) batch.push(message(k))
      store.insert(batch)
      if ((i / BATCH) % 100 === 99) {
        process.stderr.write(`\r${(i + BATCH).toLocaleString('en')} messages, ${(((i + BATCH) / (performance.now() - started)) * 1000).toFixed(0)}/s `)
      }
    }
    const insertMs = performance.now() - started
    process.stderr.write('\n')
    rows.push({ what: `insert ${TOTAL.toLocaleString('en')} messages in batches of ${BATCH}`, value: (TOTAL / insertMs) * 1000, unit: 'msg/s' })
    rows.push({ what: 'insert, one batch of 1,000 (mean)', value: insertMs / (TOTAL / BATCH), unit: 'ms' })
    store.checkpoint()
    store.optimize()
    store.close()
    rows.push({ what: 'database size on disk', value: dirSize(dir) / 2 ** 20, unit: 'MiB' })

    // Reopen, as the app does at start.
    let openMs = 0
    openMs = time(() => (store = MessageStore.open(path)))
    rows.push({ what: 'open the database (1M messages)', value: openMs, unit: 'ms' })

    // One message per transaction: a live message, and a queued one (committed with synchronous=FULL).
    const live: number[] = []
    const queued: number[] = []
    for (let i = 0; i < QUERIES; i++) {
      const m = message(TOTAL + i)
      live.push(time(() => store.insert([{ ...m, direction: 'in', state: 'received' }])))
      const q = message(TOTAL + QUERIES + i)
      queued.push(time(() => store.insert([{ ...q, direction: 'out', state: 'queued', stanzaId: undefined, atIsLocal: true }])))
    }
    rows.push(...latencyRows('insert one live message (own transaction)', live))
    rows.push(...latencyRows('insert one queued outgoing message (fsync)', queued))

    const peers = Array.from({ length: QUERIES }, (_, i) => 1 + ((i * 37) % (CONVERSATIONS - 1)))
    const search = (label: string, words: readonly string[], peer: boolean): void => {
      const samples: number[] = []
      let hits = 0
      for (let i = 0; i < QUERIES; i++) {
        const word = words[i % words.length]!
        const conv = peers[i]!
        const query = peer ? { text: word, account: accountOf(conv), peer: peerOf(conv) } : { text: word }
        samples.push(time(() => (hits += store.search(query).length)))
      }
      rows.push(...latencyRows(`search ${label}${peer ? ', one chat' : ''} [${(hits / QUERIES).toFixed(0)} hits]`, samples))
    }
    // Warm the page cache the way a running app has it.
    store.search({ text: '我们' })
    const zhCommon = ZH.slice(0, QUERIES)
    const jaWords = ['東京', '大阪', '京都', '会議', 'ラーメン', '新幹線', '北海道', '富士山', 'コーヒー', '写真']
    const enWords = ['coffee', 'meeting', 'project', 'deadline', 'invoice', 'cafe', 'Zurich', 'resume', 'weekend', 'server']
    for (const peer of [false, true]) {
      search('rare Chinese word (烤鸭, 熊猫…)', ZH_RARE, peer)
      search('common Chinese word (我, 的, 我们…)', zhCommon, peer)
      search('Japanese word (東京, 会議…)', jaWords, peer)
      search('English word (coffee, CAFE→café…)', enWords, peer)
    }
    search('one Chinese character (京, 猫…)', ['京', '猫', '海', '电', '会', '天', '鸭', '车', '话', '书'], false)
    search('English prefix while typing (cof, mee…)', ['cof', 'mee', 'pro', 'dea', 'inv', 'caf', 'zur', 'res', 'wee', 'ser'], false)
    search('two terms (北京 咖啡 / coffee meeting)', ['北京 咖啡', 'coffee meeting', '東京 写真', 'server backup'], false)
    {
      // Paging through a common word's results.
      const samples: number[] = []
      let before: number | undefined
      for (let i = 0; i < 10; i++) {
        samples.push(
          time(() => {
            const hits = store.search({ text: '我们', before })
            before = hits[hits.length - 1]?.cursor
          })
        )
      }
      rows.push(...latencyRows('search 我们, next page (10 pages)', samples))
    }

    // The 100,000-message conversation: newest page of 50, then 10 pages up.
    const bigAccount = accountOf(0)
    const bigPeer = peerOf(0)
    const openSamples: number[] = []
    const scrollSamples: number[] = []
    for (let run = 0; run < 5; run++) {
      let page = store.page(bigAccount, bigPeer, { limit: 50 })
      openSamples.push(time(() => (page = store.page(bigAccount, bigPeer, { limit: 50 }))))
      for (let i = 0; i < 10; i++) {
        const first = page[0]!
        scrollSamples.push(time(() => (page = store.page(bigAccount, bigPeer, { before: { at: first.at, rowId: first.rowId }, limit: 50 }))))
      }
    }
    const size = store.conversation(bigAccount, bigPeer)
    rows.push({ what: `open a conversation of ${(TOTAL * BIG_SHARE).toLocaleString('en')} (newest 50)`, value: median(openSamples), unit: 'ms' })
    rows.push({ what: 'scroll up one page of 50 (10 pages × 5)', value: median(scrollSamples), unit: 'ms' })
    rows.push({ what: 'list conversations (200)', value: median(Array.from({ length: 10 }, () => time(() => store.conversations()))), unit: 'ms' })
    rows.push({ what: 'unread totals', value: median(Array.from({ length: 10 }, () => time(() => store.unreadTotals()))), unit: 'ms' })
    rows.push({ what: 'mark a conversation read', value: time(() => store.markRead(bigAccount, bigPeer)), unit: 'ms' })
    if (!size) throw new Error('the big conversation is missing')
    store.close()
  } finally {
    // STORE_BENCH_KEEP=1 leaves the database for a look with sqlite3 (dbstat, EXPLAIN QUERY PLAN).
    if (process.env['STORE_BENCH_KEEP']) console.error(`kept ${path}`)
    else rmSync(dir, { recursive: true, force: true })
  }
  return rows
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = performance.now()
  const rows = await benchStore()
  printTable(`Message store (node:sqlite ${process.versions.sqlite}, Node ${process.version})`, rows)
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`)
}
