import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../../../src/main/core/log'
import { openHistory } from '../../../../src/main/platform/history'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('openHistory', () => {
  it('opens (and reopens) the profile database', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-history-'))
    dirs.push(dir)
    const path = join(dir, 'history.sqlite')
    const store = openHistory(path, silentLogger)
    store.openConversation('acc', 'bob@example.org', 1)
    store.close()
    const again = openHistory(path, silentLogger)
    expect(again.conversations().map((c) => c.peer)).toEqual(['bob@example.org'])
    again.close()
  })

  it('sets an unreadable file aside instead of overwriting it, and starts empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-history-'))
    dirs.push(dir)
    const path = join(dir, 'history.sqlite')
    writeFileSync(path, 'this is not a database, but it is somebody’s data')
    const store = openHistory(path, silentLogger)
    expect(store.conversations()).toEqual([])
    store.close()
    const aside = readdirSync(dir).find((f) => f.startsWith('history.sqlite.unreadable-'))
    expect(aside).toBeDefined()
    expect(readFileSync(join(dir, aside!), 'utf8')).toContain('somebody’s data')
  })
})
