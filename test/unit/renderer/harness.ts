/** Renders one view with the app's real state classes, loaded from a fake bridge. */
import { render } from '@testing-library/svelte'
import type { Component } from 'svelte'
import { appContextMap, createAppState, startApp, type AppState } from '../../../src/renderer/src/state/app.svelte'
import { installResizeObserver, settle } from './dom'
import { installFakeBridge, type FakeBridge } from './fakeBridge'

export interface Setup {
  bridge: FakeBridge
  app: AppState
  stop: () => void
}

/** A fake bridge (configure it in `prepare`) and a started app state. */
export async function setup(prepare?: (bridge: FakeBridge) => void, hash = ''): Promise<Setup> {
  installResizeObserver()
  const bridge = installFakeBridge()
  prepare?.(bridge)
  const app = createAppState(hash)
  const stop = await startApp(app)
  return { bridge, app, stop }
}

export async function renderView(view: Component<any>, app: AppState, props: Record<string, unknown> = {}) {
  const result = render(view, { props, context: appContextMap(app) } as never)
  await settle()
  return result
}
