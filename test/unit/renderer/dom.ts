/**
 * happy-dom has no layout, so virtual lists would render nothing: this ResizeObserver reports a
 * fixed size for the scrolling viewport and a row height for items (and `offsetParent` is set so
 * that virtua accepts the measurement), which makes virtua render and show the first screenful.
 */
export function installResizeObserver(width = 320, height = 800, rowHeight = 48): void {
  class FixedResizeObserver {
    constructor(private readonly callback: ResizeObserverCallback) {}
    observe(target: Element): void {
      const viewport = (target.getAttribute('style') ?? '').includes('contain: strict')
      queueMicrotask(() =>
        this.callback(
          [{ target, contentRect: { width, height: viewport ? height : rowHeight } } as unknown as ResizeObserverEntry],
          this as unknown as ResizeObserver
        )
      )
    }
    unobserve(): void {}
    disconnect(): void {}
  }
  ;(globalThis as { ResizeObserver?: unknown }).ResizeObserver = FixedResizeObserver
  ;(window as { ResizeObserver?: unknown }).ResizeObserver = FixedResizeObserver
  Object.defineProperty(HTMLElement.prototype, 'offsetParent', {
    configurable: true,
    get(this: HTMLElement) {
      return this.isConnected ? this.parentElement : null
    }
  })
}

/** Lets pending promises, microtasks and Svelte updates settle. */
export async function settle(rounds = 3): Promise<void> {
  const { tick } = await import('svelte')
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setTimeout(r, 0))
    await tick()
  }
}
