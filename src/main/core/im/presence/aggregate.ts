import type { ContactPresence, ResourcePresence } from '../../../../shared/model/presence'

const SHOW_RANK: Record<ResourcePresence['show'], number> = { chat: 0, available: 1, away: 2, dnd: 3, xa: 4 }

/** RFC 6121 §8.5.2 in spirit: the highest priority wins; among equals, the most reachable show. */
export function aggregate(jid: string, resources: readonly ResourcePresence[], error?: string): ContactPresence {
  const sorted = [...resources].sort((a, b) => b.priority - a.priority || SHOW_RANK[a.show] - SHOW_RANK[b.show])
  const best = sorted[0]
  return {
    jid,
    show: best ? best.show : 'offline',
    status: best?.status ?? '',
    resources: sorted,
    ...(error ? { error } : {})
  }
}
