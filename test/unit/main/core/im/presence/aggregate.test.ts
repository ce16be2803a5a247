import { describe, expect, it } from 'vitest'
import { aggregate } from '../../../../../../src/main/core/im/presence/aggregate'
import type { ResourcePresence } from '../../../../../../src/shared/model/presence'

const r = (resource: string, show: ResourcePresence['show'], priority: number, status = ''): ResourcePresence => ({ resource, show, status, priority })

describe('aggregate', () => {
  it('is offline with no resources', () => {
    expect(aggregate('juliet@example.com', [])).toEqual({ jid: 'juliet@example.com', show: 'offline', status: '', resources: [] })
  })

  it('the highest priority wins even when less available', () => {
    const p = aggregate('j@example.com', [r('phone', 'chat', 0, 'on phone'), r('desk', 'xa', 10, 'gone home')])
    expect(p.show).toBe('xa')
    expect(p.status).toBe('gone home')
    expect(p.resources.map((x) => x.resource)).toEqual(['desk', 'phone'])
  })

  it('among equal priorities the most reachable show wins: chat, available, away, dnd, xa', () => {
    const p = aggregate('j@example.com', [r('a', 'xa', 1), r('b', 'dnd', 1), r('c', 'away', 1), r('d', 'available', 1, 'here'), r('e', 'chat', 1, 'talk')])
    expect(p.show).toBe('chat')
    expect(p.status).toBe('talk')
    expect(p.resources.map((x) => x.resource)).toEqual(['e', 'd', 'c', 'b', 'a'])
  })

  it('negative priorities still count for display', () => {
    expect(aggregate('j@example.com', [r('bot', 'away', -5, 'idle')])).toMatchObject({ show: 'away', status: 'idle' })
  })

  it('does not reorder the caller’s array', () => {
    const input = [r('a', 'away', 0), r('b', 'chat', 5)]
    aggregate('j@example.com', input)
    expect(input.map((x) => x.resource)).toEqual(['a', 'b'])
  })

  it('carries an error, and omits an empty one', () => {
    expect(aggregate('j@example.com', [], 'remote-server-not-found')).toEqual({
      jid: 'j@example.com',
      show: 'offline',
      status: '',
      resources: [],
      error: 'remote-server-not-found'
    })
    expect(aggregate('j@example.com', [], '')).not.toHaveProperty('error')
    expect(aggregate('j@example.com', [])).not.toHaveProperty('error')
  })
})
