// Served by the harness into the page before the app: gives the page `window.parley`, the same
// Bridge the Electron preload exposes, spoken over a WebSocket to the harness on 127.0.0.1.
;(() => {
  const script = document.currentScript
  const token = new URL(script.src).searchParams.get('t')
  const ws = new WebSocket(`ws://${location.host}/__harness/ws?t=${encodeURIComponent(token)}`)
  const methods = JSON.parse(script.dataset.methods)
  const events = new Set(JSON.parse(script.dataset.events))
  const pending = new Map()
  const listeners = new Map()
  const outbox = []
  let nextId = 1
  // Bytes (files, pictures) cross as base64, where Electron's IPC would clone them.
  const encode = (_key, value) => {
    if (value instanceof Uint8Array) {
      let text = ''
      for (let i = 0; i < value.length; i += 0x8000) text += String.fromCharCode(...value.subarray(i, i + 0x8000))
      return { $bytes: btoa(text) }
    }
    return value
  }
  const send = (msg) => (ws.readyState === WebSocket.OPEN ? ws.send(JSON.stringify(msg, encode)) : outbox.push(msg))
  ws.addEventListener('open', () => outbox.splice(0).forEach((m) => ws.send(JSON.stringify(m, encode))))
  ws.addEventListener('message', (e) => {
    const msg = JSON.parse(e.data)
    if (msg.id !== undefined) {
      pending.get(msg.id)?.(msg.result)
      pending.delete(msg.id)
    } else if (msg.event) {
      for (const fn of listeners.get(msg.event) ?? []) fn(msg.payload)
    }
  })
  ws.addEventListener('close', () => {
    for (const resolve of pending.values()) resolve({ ok: false, error: { code: 'internal', detail: 'harness connection closed' } })
    pending.clear()
  })
  const api = {}
  for (const [ns, names] of Object.entries(methods)) {
    api[ns] = {}
    for (const method of names) {
      api[ns][method] = (...args) =>
        new Promise((resolve) => {
          const id = nextId++
          pending.set(id, resolve)
          send({ id, ns, method, args })
        })
    }
  }
  const on = (event, fn) => {
    if (!events.has(event)) throw new Error(`Unknown event ${event}`)
    let set = listeners.get(event)
    if (!set) {
      listeners.set(event, (set = new Set()))
      send({ subscribe: event })
    }
    set.add(fn)
    return () => set.delete(fn)
  }
  Object.defineProperty(window, 'parley', { value: Object.freeze({ api, on }), writable: false, configurable: false })
})()
