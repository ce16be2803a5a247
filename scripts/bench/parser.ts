// Parses a burst of 10,000 chat messages, read in 4 KiB chunks, with Parley's StreamParser and with
// xmpp.js's stock parser (ltx), and prints the median time of each.
// Run: npm run bench:parser
import { Buffer } from 'node:buffer'
import { performance } from 'node:perf_hooks'
import { Parser as LtxStreamParser } from '@xmpp/xml'
import type * as StreamParserModule from '../../src/main/core/stream/StreamParser'

// Node runs this file without a bundler, so the module needs its real file name; a computed
// specifier keeps tsc (which wants extensionless imports) out of it.
const modulePath = new URL('../../src/main/core/stream/StreamParser.ts', import.meta.url).href
const { StreamParser } = (await import(modulePath)) as typeof StreamParserModule

const MESSAGES = 10_000
const CHUNK = 4096
const WARMUP = 5
const RUNS = 21

interface Target {
  name: string
  parse: (chunks: Buffer[]) => number
}

function buildStream(): Buffer {
  const header =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' " +
    "from='e' id='s1' version='1.0' xml:lang='en'>"
  const parts = [header]
  for (let i = 0; i < MESSAGES; i++) {
    parts.push(
      `<message type='chat' from='a@b/c' to='d@e/f' id='m-${i}-${(i * 2654435761) % 1e9}'>` +
        `<body>你好，世界！Message ${i}: the quick brown fox jumps over the lazy dog &amp; 敏捷的棕色狐狸跳过了懒狗。</body>` +
        "<request xmlns='urn:xmpp:receipts'/></message>"
    )
  }
  return Buffer.from(parts.join(''))
}

function split(data: Buffer): Buffer[] {
  const chunks: Buffer[] = []
  for (let at = 0; at < data.length; at += CHUNK) chunks.push(data.subarray(at, at + CHUNK))
  return chunks
}

function parseWithStreamParser(chunks: Buffer[]): number {
  const parser = new StreamParser()
  let count = 0
  parser.on('element', () => count++)
  parser.on('error', (err) => {
    throw err
  })
  for (const chunk of chunks) parser.write(chunk)
  return count
}

function parseWithLtx(chunks: Buffer[]): number {
  const parser = new LtxStreamParser()
  let count = 0
  parser.on('element', () => count++)
  // As @xmpp/connection does: every read decoded on its own.
  for (const chunk of chunks) parser.write(chunk.toString('utf8'))
  return count
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

function measure(target: Target, chunks: Buffer[]): number {
  for (let i = 0; i < WARMUP; i++) target.parse(chunks)
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now()
    const count = target.parse(chunks)
    times.push(performance.now() - start)
    if (count !== MESSAGES) throw new Error(`${target.name}: parsed ${count} of ${MESSAGES} stanzas`)
  }
  return median(times)
}

function longText(): void {
  const text = 'x'.repeat(1024 * 1024 - 200)
  const data = Buffer.from(`<stream:stream xmlns='jabber:client'><message><body>${text}</body></message>`)
  const parser = new StreamParser()
  let length = 0
  parser.on('element', (el) => (length = el.getChildText('body')?.length ?? 0))
  const start = performance.now()
  parser.write(data)
  const ms = performance.now() - start
  console.log(`StreamParser, one ~1 MiB text node in one write: ${ms.toFixed(1)} ms (${length} chars)`)
}

const data = buildStream()
const chunks = split(data)
console.log(`${MESSAGES} messages, ${(data.length / 1024).toFixed(0)} KiB in ${chunks.length} chunks of ${CHUNK} bytes`)
const targets: Target[] = [
  { name: 'StreamParser (saxes)', parse: parseWithStreamParser },
  { name: '@xmpp/xml Parser (ltx)', parse: parseWithLtx }
]
const results = targets.map((target) => ({ name: target.name, ms: measure(target, chunks) }))
for (const { name, ms } of results) {
  console.log(`${name.padEnd(24)} ${ms.toFixed(1)} ms per ${MESSAGES} (median of ${RUNS})`)
}
const [ours, stock] = results
if (ours && stock) console.log(`ratio StreamParser / ltx: ${(ours.ms / stock.ms).toFixed(2)}`)
longText()
