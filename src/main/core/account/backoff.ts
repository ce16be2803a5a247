/**
 * Reconnect delays after RFC 6120 §3.3 ("an unpredictable number of seconds … back off
 * increasingly") with "full jitter" (random in [0, min(cap, base·2^n)]): thousands of clients
 * dropped by one server restart do not come back in lockstep. The first retry is quick but random.
 */
export class Backoff {
  private attempts = 0

  constructor(
    private readonly random: () => number = Math.random,
    private readonly opts = { firstMin: 500, firstMax: 3_000, base: 2_000, cap: 300_000, floor: 250 }
  ) {}

  /** Milliseconds to wait before the next attempt; `penalty` skips ahead (e.g. after a policy violation). */
  next(penalty = 0): number {
    const n = this.attempts
    this.attempts += 1 + penalty
    const { firstMin, firstMax, base, cap, floor } = this.opts
    if (n === 0 && penalty === 0) return Math.round(firstMin + this.random() * (firstMax - firstMin))
    const ceiling = Math.min(cap, base * 2 ** Math.min(n + penalty, 30))
    return Math.max(floor, Math.round(this.random() * ceiling))
  }

  get attempt(): number {
    return this.attempts
  }

  reset(): void {
    this.attempts = 0
  }
}
