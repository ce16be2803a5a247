import type { Bridge } from '../shared/ipc/contract'

declare global {
  interface Window {
    parley: Bridge
  }
}

export {}
